import { createRouter, createWebHistory } from 'vue-router';
import type { Router } from 'vue-router';
import type { Role } from './api/types.ts';
import { useAuthStore } from './stores/auth.ts';
import { useMetricsStore } from './stores/metrics.ts';
import FleetView from './views/FleetView.vue';
import LoginView from './views/LoginView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean;
    role?: Role;
  }
}

/** Pages; all but login need a login, users need an admin. Views other than the first are loaded on demand. */
export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      { path: '/login', component: LoginView, meta: { public: true } },
      { path: '/', component: FleetView },
      {
        path: '/servers/:id',
        component: () => import('./views/ServerView.vue'),
        props: true,
        // The series are asked for while the view's chunk (with ECharts) still loads.
        beforeEnter: (to) => {
          const metrics = useMetricsStore();
          if (metrics.serverId !== to.params.id) void metrics.load(String(to.params.id), { preset: '1h' });
        },
      },
      { path: '/alerts', component: () => import('./views/AlertsView.vue') },
      { path: '/rules', component: () => import('./views/RulesView.vue') },
      { path: '/silences', component: () => import('./views/SilencesView.vue') },
      { path: '/users', component: () => import('./views/UsersView.vue'), meta: { role: 'admin' } },
      { path: '/tokens', component: () => import('./views/TokensView.vue') },
      { path: '/settings', component: () => import('./views/SettingsView.vue') },
      { path: '/:rest(.*)*', redirect: '/' },
    ],
  });
  let restored = false;
  router.beforeEach(async (to) => {
    // Fetch the target's view chunk while the login is restored, not after.
    for (const record of to.matched) {
      const view = record.components?.default;
      if (typeof view === 'function') void (view as () => Promise<unknown>)();
    }
    const auth = useAuthStore();
    if (!auth.loggedIn && !restored) {
      restored = true;
      await auth.restore();
    }
    if (to.meta.public === true) return auth.loggedIn && to.path === '/login' ? '/' : true;
    if (!auth.loggedIn) return { path: '/login', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
    if (to.meta.role !== undefined && !auth.can(to.meta.role)) return '/';
    return true;
  });
  return router;
}

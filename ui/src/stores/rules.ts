import { defineStore } from 'pinia';
import { ref } from 'vue';
import { useApi } from '../api/use-api.ts';
import type { AlertRule, AlertRuleInput } from '../api/types.ts';
import { track } from './track.ts';

/** Alert rules: viewers read them, operators edit them. */
export const useRulesStore = defineStore('rules', () => {
  const items = ref<AlertRule[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    await track(loading, error, async () => {
      items.value = (await useApi().rules.list()).items;
      loaded.value = true;
    });
  }

  /** Creates (no id) or changes a rule; false with `error` set when the API refuses it. */
  async function save(input: AlertRuleInput, id?: string): Promise<boolean> {
    const api = useApi();
    const saved = await track(loading, error, () => (id === undefined ? api.rules.create(input) : api.rules.update(id, input)));
    if (saved === undefined) return false;
    const at = items.value.findIndex((r) => r.id === saved.id);
    if (at < 0) items.value = [...items.value, saved];
    else items.value.splice(at, 1, saved);
    return true;
  }

  async function setEnabled(rule: AlertRule, enabled: boolean): Promise<boolean> {
    return save({ ...toInput(rule), enabled }, rule.id);
  }

  async function remove(id: string): Promise<boolean> {
    const done = await track(loading, error, async () => {
      await useApi().rules.remove(id);
      return true;
    });
    if (done === true) items.value = items.value.filter((r) => r.id !== id);
    return done === true;
  }

  return { items, loading, loaded, error, load, save, setEnabled, remove };
});

/** The editable fields of a rule. */
export function toInput(rule: AlertRule): AlertRuleInput {
  return {
    name: rule.name,
    metric: rule.metric,
    expr: rule.expr,
    operator: rule.operator,
    threshold: rule.threshold,
    clearThreshold: rule.clearThreshold,
    for: rule.for,
    severity: rule.severity,
    serverId: rule.serverId,
    enabled: rule.enabled,
  };
}

import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import type {
  AggregateOp, AtModifier, BinaryOp, Expr, Matcher, MatchType, ValueType, VectorMatching, VectorSelector,
} from './ast.ts';
import { isComparison, isSetOperator } from './ast.ts';
import { compileRegex } from './compile-regex.ts';
import { FUNCTIONS } from './function-signatures.ts';
import { parseDurationOrSeconds, parseNumber, unquoteString } from './parse-literals.ts';
import { badData } from './promql-error.ts';

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^', Mul: '*', Div: '/', Mod: '%', Atan2: 'atan2', Add: '+', Sub: '-', Eql: '==', Neq: '!=',
  Gtr: '>', Lss: '<', Gte: '>=', Lte: '<=', And: 'and', Or: 'or', Unless: 'unless',
};
const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };
const AGGREGATES = new Set<string>(['sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'group', 'quantile', 'count_values', 'topk', 'bottomk']);
const UNSUPPORTED_NODES: Record<string, string> = {
  AnchoredExpr: 'the "anchored" modifier',
  SmoothedExpr: 'the "smoothed" modifier',
  FillModifier: 'fill() modifiers',
  TrimUpper: 'the </ operator',
  TrimLower: 'the >/ operator',
};

function kids(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

/** Builds a label matcher; regexes are compiled fully anchored. */
export function makeMatcher(name: string, type: MatchType, value: string): Matcher {
  if (type === '=') return { name, type, value, test: (v) => v === value };
  if (type === '!=') return { name, type, value, test: (v) => v !== value };
  const re = compileRegex(value);
  return type === '=~' ? { name, type, value, test: (v) => re.test(v) } : { name, type, value, test: (v) => !re.test(v) };
}

/** Parses a PromQL expression into the engine's syntax tree, checking types as Prometheus's parser does. */
export function parsePromql(query: string): Expr {
  if (query.trim() === '') throw badData('empty query');
  const tree = parser.parse(query);
  tree.iterate({
    enter: (ref) => {
      if (ref.type.isError) {
        const before = query.slice(0, ref.from);
        const fn = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*$/.exec(before);
        if (fn !== null && query[ref.from] === '(' && !FUNCTIONS.has(fn[1] ?? '')) throw badData(`unknown function with name "${fn[1]}"`);
        const near = query.slice(ref.from, ref.from + 10);
        throw badData(`parse error at char ${ref.from + 1}: unexpected ${near === '' ? 'end of input' : `"${near}"`}`);
      }
      const unsupported = UNSUPPORTED_NODES[ref.name];
      if (unsupported !== undefined) throw badData(`${unsupported} is not supported`);
      return undefined;
    },
  });
  const top = tree.topNode.firstChild;
  if (top === null) throw badData('empty query');
  return new Converter(query).expr(top);
}

class Converter {
  private readonly q: string;
  constructor(q: string) {
    this.q = q;
  }

  private text(n: SyntaxNode): string {
    return this.q.slice(n.from, n.to);
  }

  expr(n: SyntaxNode): Expr {
    switch (n.name) {
      case 'NumberDurationLiteral':
        return { kind: 'number', value: parseNumber(this.text(n).replaceAll(/\s/g, '')) };
      case 'StringLiteral':
        return { kind: 'string', value: unquoteString(this.text(n)) };
      case 'ParenExpr':
        return { kind: 'paren', expr: this.expr(kids(n)[0] as SyntaxNode) };
      case 'VectorSelector':
        return this.vectorSelector(n);
      case 'MatrixSelector':
        return this.matrix(n);
      case 'SubqueryExpr':
        return this.subquery(n);
      case 'OffsetExpr':
        return this.offset(n);
      case 'StepInvariantExpr':
        return this.at(n);
      case 'UnaryExpr': {
        const [op, inner] = kids(n) as [SyntaxNode, SyntaxNode];
        const expr = this.expr(inner);
        const t = typeOf(expr);
        if (t !== 'scalar' && t !== 'vector') throw badData(`unary expression only allowed on expressions of type scalar or instant vector, got ${typeName(t)}`);
        return { kind: 'unary', op: this.text(op) === '-' ? '-' : '+', expr };
      }
      case 'BinaryExpr':
        return this.binary(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      default:
        throw badData(`unsupported expression "${this.text(n)}" (${n.name})`);
    }
  }

  private vectorSelector(n: SyntaxNode): VectorSelector {
    const matchers: Matcher[] = [];
    let name: string | undefined;
    for (const c of kids(n)) {
      if (c.name === 'Identifier') {
        name = this.text(c);
        matchers.push(makeMatcher('__name__', '=', name));
      } else if (c.name === 'LabelMatchers') {
        for (const m of kids(c)) {
          if (m.name === 'QuotedLabelName') {
            const metric = unquoteString(this.text(m));
            if (name !== undefined) throw badData(`metric name must not be set twice: "${name}" or "${metric}"`);
            name = metric;
            matchers.push(makeMatcher('__name__', '=', metric));
            continue;
          }
          const [ln, op, value] = kids(m) as [SyntaxNode, SyntaxNode, SyntaxNode];
          const label = ln.name === 'QuotedLabelName' ? unquoteString(this.text(ln)) : this.text(ln);
          const type = MATCH_OPS[(op.firstChild as SyntaxNode).name] as MatchType;
          const matcher = makeMatcher(label, type, unquoteString(this.text(value)));
          if (label === '__name__' && type === '=') {
            if (name !== undefined) throw badData(`metric name must not be set twice: "${name}" or "${matcher.value}"`);
            name = matcher.value;
          }
          matchers.push(matcher);
        }
      }
    }
    if (!matchers.some((m) => !m.test(''))) throw badData('vector selector must contain at least one non-empty matcher');
    return { kind: 'vector', matchers, ...(name === undefined ? {} : { name }), offsetMs: 0 };
  }

  private duration(n: SyntaxNode): number {
    const inner = n.name === 'DurationExpr' || n.name === 'OffsetDurationExpr' ? kids(n) : [n];
    if (inner.length === 1 && inner[0]?.name === 'NumberDurationLiteralInDurationContext') return parseDurationOrSeconds(this.text(inner[0]));
    if (inner.length === 2 && inner[0]?.name === 'UnaryOp' && n.name === 'OffsetDurationExpr') {
      const ms = this.duration(inner[1] as SyntaxNode);
      return this.text(inner[0]) === '-' ? -ms : ms;
    }
    throw badData(`duration expressions are not supported: "${this.text(n)}"`);
  }

  private matrix(n: SyntaxNode): Expr {
    const [inner, dur] = kids(n) as [SyntaxNode, SyntaxNode];
    const selector = this.expr(inner);
    if (selector.kind !== 'vector') throw badData('ranges only allowed for vector selectors');
    if (selector.offsetMs !== 0 || selector.at !== undefined) throw badData('no offset or @ modifiers allowed before range');
    const rangeMs = this.duration(dur);
    if (rangeMs <= 0) throw badData(`range must be greater than 0, got "${this.text(dur)}"`);
    return { kind: 'matrix', selector, rangeMs };
  }

  private subquery(n: SyntaxNode): Expr {
    const [inner, range, step] = kids(n) as [SyntaxNode, SyntaxNode, SyntaxNode | undefined];
    const expr = this.expr(inner);
    if (typeOf(expr) !== 'vector') throw badData(`subquery is only allowed on instant vector, got ${typeName(typeOf(expr))} instead`);
    const rangeMs = this.duration(range);
    const stepMs = step === undefined ? 0 : this.duration(step);
    if (rangeMs <= 0 || stepMs < 0) throw badData('subquery range and step must be greater than 0');
    return { kind: 'subquery', expr, rangeMs, stepMs, offsetMs: 0 };
  }

  private offset(n: SyntaxNode): Expr {
    const [inner, , dur] = kids(n) as [SyntaxNode, SyntaxNode, SyntaxNode];
    const expr = this.expr(inner);
    const ms = this.duration(dur);
    const leaf = modifierTarget(expr);
    const target = leaf.kind === 'matrix' ? leaf.selector : leaf;
    if (target.kind !== 'vector' && target.kind !== 'subquery') {
      throw badData('offset modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (target.offsetMs !== 0) throw badData('offset may not be set multiple times');
    target.offsetMs = ms;
    return expr;
  }

  private at(n: SyntaxNode): Expr {
    const c = kids(n);
    const expr = this.expr(c[0] as SyntaxNode);
    const arg = c[2] as SyntaxNode;
    let at: AtModifier;
    if (arg.name === 'AtModifierPreprocessors') {
      at = { kind: arg.firstChild?.name === 'AtEnd' ? 'end' : 'start' };
    } else {
      const seconds = parseNumber(this.text(arg).replaceAll(/\s/g, ''));
      if (!Number.isFinite(seconds)) throw badData(`timestamp out of bounds for @ modifier: ${seconds}`);
      at = { kind: 'time', ms: Math.round(seconds * 1000) };
    }
    const leaf = modifierTarget(expr);
    const target = leaf.kind === 'matrix' ? leaf.selector : leaf;
    if (target.kind !== 'vector' && target.kind !== 'subquery') {
      throw badData('@ modifier must be preceded by an instant vector selector or range vector selector or a subquery');
    }
    if (target.at !== undefined) throw badData('@ <timestamp> may not be set multiple times');
    target.at = at;
    return expr;
  }

  private grouping(n: SyntaxNode): string[] {
    return kids(n).map((l) => (l.name === 'QuotedLabelName' ? unquoteString(this.text(l)) : this.text(l)));
  }

  private binary(n: SyntaxNode): Expr {
    const c = kids(n);
    const lhs = this.expr(c[0] as SyntaxNode);
    const rhs = this.expr(c[c.length - 1] as SyntaxNode);
    const opNode = c[1] as SyntaxNode;
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) throw badData(`unsupported binary operator "${this.text(opNode)}"`);
    let returnBool = false;
    let matching: VectorMatching | undefined;
    for (const m of c.slice(2, -1)) {
      if (m.name === 'BoolModifier') returnBool = true;
      if (m.name === 'MatchingModifierClause') {
        const parts = kids(m);
        const on = parts[0]?.name === 'On';
        const labels = this.grouping(parts[1] as SyntaxNode);
        const side = parts[2]?.name;
        const include = parts[3] === undefined ? [] : this.grouping(parts[3]);
        matching = { card: side === 'GroupLeft' ? 'many-to-one' : side === 'GroupRight' ? 'one-to-many' : 'one-to-one', on, labels, include };
      }
    }
    const lt = typeOf(lhs);
    const rt = typeOf(rhs);
    for (const t of [lt, rt]) {
      if (t !== 'scalar' && t !== 'vector') throw badData(`binary expression must contain only scalar and instant vector types`);
    }
    if (returnBool && !isComparison(op)) throw badData('bool modifier can only be used on comparison operators');
    if (isComparison(op) && lt === 'scalar' && rt === 'scalar' && !returnBool) throw badData('comparisons between scalars must use BOOL modifier');
    if (isSetOperator(op)) {
      if (lt !== 'vector' || rt !== 'vector') throw badData(`set operator "${op}" not allowed in binary scalar expression`);
      if (matching !== undefined && matching.card !== 'one-to-one') throw badData(`no grouping allowed for "${op}" operation`);
      matching = { card: 'many-to-many', on: matching?.on ?? false, labels: matching?.labels ?? [], include: [] };
    }
    if (matching !== undefined && (lt !== 'vector' || rt !== 'vector')) throw badData('vector matching only allowed between instant vectors');
    if (matching === undefined && lt === 'vector' && rt === 'vector') matching = { card: 'one-to-one', on: false, labels: [], include: [] };
    if (matching !== undefined && matching.card !== 'many-to-many' && matching.on) {
      const dup = matching.include.find((l) => matching.labels.includes(l));
      if (dup !== undefined) throw badData(`label "${dup}" must not occur in ON and GROUP clause at once`);
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, ...(matching === undefined ? {} : { matching }) };
  }

  private call(n: SyntaxNode): Expr {
    const [id, body] = kids(n) as [SyntaxNode, SyntaxNode];
    const name = this.text(id);
    const sig = FUNCTIONS.get(name);
    if (sig === undefined) throw badData(`function "${name}" is not supported`);
    const args = kids(body).map((a) => this.expr(a));
    const min = sig.args.length - (sig.optional ?? 0);
    if (args.length < min || (!sig.variadic && args.length > sig.args.length)) {
      throw badData(`expected ${min === sig.args.length ? min : `${min} to ${sig.args.length}`} argument(s) in call to "${name}", got ${args.length}`);
    }
    args.forEach((a, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)] as ValueType;
      const got = typeOf(a);
      if (got !== want) throw badData(`expected type ${typeName(want)} in call to function "${name}", got ${typeName(got)}`);
    });
    return { kind: 'call', name, args };
  }

  private aggregate(n: SyntaxNode): Expr {
    const c = kids(n);
    const op = this.text((c[0] as SyntaxNode).firstChild as SyntaxNode).toLowerCase();
    if (!AGGREGATES.has(op)) throw badData(`aggregation "${op}" is not supported`);
    const modifier = c.find((x) => x.name === 'AggregateModifier');
    const body = c.find((x) => x.name === 'FunctionCallBody') as SyntaxNode;
    const args = kids(body).map((a) => this.expr(a));
    const needsParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    if (args.length !== (needsParam ? 2 : 1)) throw badData(`wrong number of arguments for aggregate expression provided, expected ${needsParam ? 2 : 1}, got ${args.length}`);
    const expr = args[args.length - 1] as Expr;
    if (typeOf(expr) !== 'vector') throw badData(`expected type instant vector in aggregation expression, got ${typeName(typeOf(expr))}`);
    const param = needsParam ? args[0] : undefined;
    if (param !== undefined) {
      const want = op === 'count_values' ? 'string' : 'scalar';
      if (typeOf(param) !== want) throw badData(`expected type ${typeName(want)} in aggregation parameter, got ${typeName(typeOf(param))}`);
    }
    const parts = modifier === undefined ? [] : kids(modifier);
    const without = parts[0]?.name === 'Without';
    const grouping = parts[1] === undefined ? [] : this.grouping(parts[1]);
    return { kind: 'aggregate', op: op as AggregateOp, expr, ...(param === undefined ? {} : { param }), grouping, without };
  }
}

/**
 * What an `offset` or `@` written after `expr` modifies. The lezer grammar gives these modifiers
 * the lowest precedence (`-a offset 1m`, `a or b offset 1m`), Prometheus the highest: they bind
 * to the rightmost operand.
 */
function modifierTarget(expr: Expr): Expr {
  if (expr.kind === 'binary') return modifierTarget(expr.rhs);
  if (expr.kind === 'unary') return modifierTarget(expr.expr);
  return expr;
}

/** The value type an expression evaluates to. */
export function typeOf(e: Expr): ValueType {
  switch (e.kind) {
    case 'number': return 'scalar';
    case 'string': return 'string';
    case 'vector': return 'vector';
    case 'matrix': case 'subquery': return 'matrix';
    case 'aggregate': return 'vector';
    case 'call': return FUNCTIONS.get(e.name)?.returns ?? 'vector';
    case 'paren': case 'unary': return typeOf(e.expr);
    case 'binary': return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
  }
}

function typeName(t: ValueType): string {
  return t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t;
}

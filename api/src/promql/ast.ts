// The PromQL syntax tree the evaluator walks, built from the lezer tree by `parsePromql`.

/** Label name → value, `__name__` included; an absent label and an empty value are the same. */
export type Labels = Record<string, string>;

export type ValueType = 'scalar' | 'string' | 'vector' | 'matrix';

export type MatchType = '=' | '!=' | '=~' | '!~';

/** One label matcher; `test` is the compiled check (regexes fully anchored). */
export interface Matcher {
  name: string;
  type: MatchType;
  value: string;
  test(value: string): boolean;
}

/** `@` modifier: a fixed time in ms, or the query's start/end. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral {
  kind: 'number';
  value: number;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
}

export interface VectorSelector {
  kind: 'vector';
  matchers: Matcher[];
  /** The metric name when one `__name__="x"` matcher gives it; for messages and absent(). */
  name?: string;
  offsetMs: number;
  at?: AtModifier;
}

export interface MatrixSelector {
  kind: 'matrix';
  selector: VectorSelector;
  rangeMs: number;
}

export interface Subquery {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** 0 means the query's step (or the default evaluation interval for instant queries). */
  stepMs: number;
  offsetMs: number;
  at?: AtModifier;
}

export interface Call {
  kind: 'call';
  name: string;
  args: Expr[];
}

export type AggregateOp =
  | 'sum' | 'avg' | 'min' | 'max' | 'count' | 'stddev' | 'stdvar' | 'group'
  | 'quantile' | 'count_values' | 'topk' | 'bottomk';

export interface Aggregate {
  kind: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  param?: Expr;
  /** Grouping labels; `without` inverts them. No modifier: `by ()` (one group). */
  grouping: string[];
  without: boolean;
}

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless';

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** `on(...)` when true, `ignoring(...)` (or no modifier) when false. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by group_left/group_right. */
  include: string[];
}

export interface Binary {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  matching?: VectorMatching;
}

export interface Unary {
  kind: 'unary';
  op: '-' | '+';
  expr: Expr;
}

export interface Paren {
  kind: 'paren';
  expr: Expr;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | Subquery
  | Call | Aggregate | Binary | Unary | Paren;

const COMPARISON = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set<BinaryOp>(['and', 'or', 'unless']);

export function isComparison(op: BinaryOp): boolean {
  return COMPARISON.has(op);
}

export function isSetOperator(op: BinaryOp): boolean {
  return SET_OPS.has(op);
}

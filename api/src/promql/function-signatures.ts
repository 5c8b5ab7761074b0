import type { ValueType } from './ast.ts';

/** Argument and return types of one function; `optional` trailing arguments, `variadic` repeats the last. */
export interface FunctionSignature {
  args: ValueType[];
  returns: ValueType;
  optional?: number;
  variadic?: boolean;
}

const vecFn: FunctionSignature = { args: ['vector'], returns: 'vector' };
const rangeFn: FunctionSignature = { args: ['matrix'], returns: 'vector' };
const dateFn: FunctionSignature = { args: ['vector'], returns: 'vector', optional: 1 };

const MATH = ['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn', 'deg', 'rad',
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh'];
const RANGE = ['avg_over_time', 'count_over_time', 'max_over_time', 'min_over_time', 'sum_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time', 'absent_over_time',
  'changes', 'resets', 'delta', 'deriv', 'idelta', 'increase', 'irate', 'rate'];
const DATE = ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'];

/** The functions this engine evaluates (Prometheus 2.x stable set minus native-histogram functions). */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map<string, FunctionSignature>([
  ...MATH.map((n) => [n, vecFn] as const),
  ...RANGE.map((n) => [n, rangeFn] as const),
  ...DATE.map((n) => [n, dateFn] as const),
  ['absent', vecFn],
  ['sort', vecFn],
  ['sort_desc', vecFn],
  ['timestamp', vecFn],
  ['round', { args: ['vector', 'scalar'], returns: 'vector', optional: 1 }],
  ['clamp', { args: ['vector', 'scalar', 'scalar'], returns: 'vector' }],
  ['clamp_max', { args: ['vector', 'scalar'], returns: 'vector' }],
  ['clamp_min', { args: ['vector', 'scalar'], returns: 'vector' }],
  ['quantile_over_time', { args: ['scalar', 'matrix'], returns: 'vector' }],
  ['predict_linear', { args: ['matrix', 'scalar'], returns: 'vector' }],
  ['histogram_quantile', { args: ['scalar', 'vector'], returns: 'vector' }],
  ['label_replace', { args: ['vector', 'string', 'string', 'string', 'string'], returns: 'vector' }],
  ['label_join', { args: ['vector', 'string', 'string', 'string'], returns: 'vector', variadic: true, optional: 1 }],
  ['scalar', { args: ['vector'], returns: 'scalar' }],
  ['vector', { args: ['scalar'], returns: 'vector' }],
  ['time', { args: [], returns: 'scalar' }],
  ['pi', { args: [], returns: 'scalar' }],
]);

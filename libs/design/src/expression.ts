import { parse, type EvalFunction, type MathNode } from 'mathjs';
import type { Config } from '@lawsweep/law';

/**
 * Cost and constraint expressions of a sweep spec ("6 * N * D", "D / N >= 20"), parsed with mathjs
 * and compiled once. Only the spec's variables may appear as symbols and only a short list of pure
 * functions may be called: the planner evaluates these strings from REST requests, so nothing that
 * could reach mathjs's `import`, `evaluate` or unit machinery is allowed through.
 */

const ALLOWED_FUNCTIONS = new Set(['log', 'log10', 'log2', 'exp', 'sqrt', 'abs', 'min', 'max', 'pow', 'floor', 'ceil', 'round']);

export class ExpressionError extends Error {}

export interface CompiledExpression {
  readonly source: string;
  readonly symbols: readonly string[];
  evaluate(config: Config): number;
}

export interface CompiledConstraint {
  readonly source: string;
  readonly symbols: readonly string[];
  holds(config: Config): boolean;
}

function parseChecked(source: string, variables: readonly string[]): { node: MathNode; symbols: string[] } {
  let node: MathNode;
  try {
    node = parse(source);
  } catch (err) {
    throw new ExpressionError(`cannot parse '${source}': ${err instanceof Error ? err.message : String(err)}`);
  }
  const allowed = new Set(variables);
  const symbols = new Set<string>();
  const problems: string[] = [];
  node.traverse((n, path, parent) => {
    if (n.type === 'FunctionNode') {
      const name = (n as unknown as { fn: { name?: string } }).fn.name ?? '';
      if (!ALLOWED_FUNCTIONS.has(name)) problems.push(`function '${name}' is not allowed (use one of ${[...ALLOWED_FUNCTIONS].join(', ')})`);
    } else if (n.type === 'SymbolNode') {
      if (parent?.type === 'FunctionNode' && path === 'fn') return;
      const name = (n as unknown as { name: string }).name;
      if (allowed.has(name)) symbols.add(name);
      else problems.push(`unknown variable '${name}' (the spec's variables are ${variables.join(', ') || 'none'})`);
    } else if (!['OperatorNode', 'ConstantNode', 'ParenthesisNode', 'ConditionalNode', 'RelationalNode'].includes(n.type)) {
      problems.push(`'${n.toString()}' is not allowed (use arithmetic, comparisons and ${[...ALLOWED_FUNCTIONS].join(', ')})`);
    }
  });
  if (problems.length > 0) throw new ExpressionError(`in '${source}': ${[...new Set(problems)].join('; ')}`);
  return { node, symbols: [...symbols] };
}

function toNumber(value: unknown, source: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  throw new ExpressionError(`'${source}' did not evaluate to a number`);
}

export function compileExpression(source: string, variables: readonly string[]): CompiledExpression {
  const { node, symbols } = parseChecked(source, variables);
  const code: EvalFunction = node.compile();
  return {
    source,
    symbols,
    evaluate: (config) => toNumber(code.evaluate({ ...config }), source),
  };
}

const COMPARISONS = new Set(['<', '>', '<=', '>=', '==', '!=']);

/** Whether a parsed expression yields true/false: a comparison, or and/or/xor/not/?: of such. */
function isCondition(node: MathNode): boolean {
  const n = node as unknown as { type: string; op?: string; args?: MathNode[]; content?: MathNode; value?: unknown; trueExpr?: MathNode; falseExpr?: MathNode };
  switch (n.type) {
    case 'ParenthesisNode':
      return isCondition(n.content as MathNode);
    case 'RelationalNode':
      return true;
    case 'ConstantNode':
      return typeof n.value === 'boolean';
    case 'ConditionalNode':
      return isCondition(n.trueExpr as MathNode) && isCondition(n.falseExpr as MathNode);
    case 'OperatorNode':
      if (COMPARISONS.has(n.op ?? '') || n.op === 'not') return true;
      return ['and', 'or', 'xor'].includes(n.op ?? '') && (n.args ?? []).every(isCondition);
    default:
      return false;
  }
}

export function compileConstraint(source: string, variables: readonly string[]): CompiledConstraint {
  const { node, symbols } = parseChecked(source, variables);
  // A bare number ("D / N") would be read as "holds unless 0": almost surely a comparison left out.
  if (!isCondition(node)) throw new ExpressionError(`constraint '${source}' is not a comparison (it computes a number, which says nothing about which configs to keep)`);
  const code: EvalFunction = node.compile();
  return {
    source,
    symbols,
    holds: (config) => {
      const v: unknown = code.evaluate({ ...config });
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0 && !Number.isNaN(v);
      throw new ExpressionError(`constraint '${source}' did not evaluate to true/false`);
    },
  };
}

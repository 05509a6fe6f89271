import { derivative, parse } from 'mathjs';
import type { EvalFunction, MathNode } from 'mathjs';
import type { Config, Law, ParamSpec } from './law.types';
import { cartesian } from './linalg';

/**
 * A law written as a formula, e.g. "E + A / N^alpha + B / D^beta". mathjs parses it once; the
 * formula is checked against a whitelist of node types and functions (no assignments, property
 * access, matrices, strings or user functions: a spec cannot run code), and each parameter's
 * symbolic derivative is compiled once, so the Jacobian is analytic without hand-written code.
 */
const ALLOWED_OPERATORS = new Set(['add', 'subtract', 'multiply', 'divide', 'pow', 'unaryMinus', 'unaryPlus']);
/** Functions mathjs can differentiate symbolically (min and max it cannot, so they are refused). */
const ALLOWED_FUNCTIONS = new Set(['exp', 'log', 'sqrt', 'pow', 'abs']);
/**
 * Variables an expression may use when no variable list is known (a law built outside a spec).
 * A sweep's law gets the spec's variables instead, and `lawsweep fit --expression` the CSV's columns.
 */
export const DEFAULT_EXPRESSION_VARIABLES: readonly string[] = ['N', 'D', 'U', 'C'];

export interface ExpressionLawOptions {
  expression: string;
  params: Record<string, [number, number]>;
  logParams?: string[];
  /** The variables the expression may use (a spec's `variables`); default N, D, U, C. */
  variables?: readonly string[];
}

/**
 * A symbol of the expression that is neither a parameter nor one of the allowed variables. Its
 * message is worded for a sweep spec; callers with other inputs (the CLI's flags and CSV) reword
 * it from the fields.
 */
export class UnknownSymbolError extends Error {
  constructor(
    readonly symbol: string,
    readonly expression: string,
    readonly params: readonly string[],
    readonly variables: readonly string[],
    readonly variablesGiven: boolean,
  ) {
    super(
      `expression law: unknown symbol "${symbol}" in "${expression}": it is neither a parameter (${params.join(', ')}) nor a variable ` +
        `(${variables.join(', ') || 'none'}${variablesGiven ? '' : ', the default when no variables are given'}); ` +
        `give it bounds under params, or declare it under variables`,
    );
    this.name = 'UnknownSymbolError';
  }
}

export class ExpressionLaw implements Law {
  readonly name: string;
  readonly variables: readonly string[];
  readonly theta: readonly ParamSpec[];
  readonly paramNames: readonly string[];
  private readonly isLog: boolean[];
  private readonly value: EvalFunction;
  private readonly derivatives: EvalFunction[];
  private readonly scope: Record<string, number> = {};

  constructor(options: ExpressionLawOptions) {
    const { expression, params } = options;
    if (typeof expression !== 'string' || expression.trim() === '') throw new Error('expression law: expression must be a non-empty string');
    this.paramNames = Object.keys(params ?? {});
    if (this.paramNames.length === 0) throw new Error('expression law: params must name at least one parameter with [lower, upper] bounds');
    let node: MathNode;
    try {
      node = parse(expression);
    } catch (err) {
      throw new Error(`expression law: cannot parse "${expression}": ${(err as Error).message}`);
    }
    const used = checkNode(node, expression);
    const allowedVariables = options.variables ?? DEFAULT_EXPRESSION_VARIABLES;
    if (options.variables) {
      // With the spec's own variables a name cannot be both: the scope would silently pick one.
      const clash = this.paramNames.find((p) => allowedVariables.includes(p));
      if (clash !== undefined) {
        throw new Error(`expression law: "${clash}" is both a parameter (params.${clash}) and a variable; rename the parameter (e.g. ${clash}_p) in params and the expression`);
      }
    }
    for (const symbol of used) {
      if (!this.paramNames.includes(symbol) && !allowedVariables.includes(symbol)) {
        throw new UnknownSymbolError(symbol, expression, this.paramNames, allowedVariables, options.variables !== undefined);
      }
    }
    this.variables = allowedVariables.filter((v) => used.has(v) && !this.paramNames.includes(v));
    if (this.variables.length === 0) throw new Error(`expression law: "${expression}" uses no variable (${allowedVariables.join(', ')})`);
    const logParams = options.logParams;
    this.isLog = this.paramNames.map((p) => {
      const [lo, hi] = params[p];
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi)) throw new Error(`expression law: params.${p} must be [lower, upper] with lower < upper, got [${lo}, ${hi}]`);
      if (logParams) {
        if (logParams.includes(p) && !(lo > 0)) throw new Error(`expression law: params.${p} is fitted in log space, so its lower bound must be > 0`);
        return logParams.includes(p);
      }
      return lo > 0 && hi / lo > 100;
    });
    this.theta = this.paramNames.map((p, j) => {
      const [lo, hi] = params[p];
      return this.isLog[j] ? { name: `log${p}`, lower: Math.log(lo), upper: Math.log(hi) } : { name: p, lower: lo, upper: hi };
    });
    this.name = `expression: ${expression}`;
    this.value = node.compile();
    this.derivatives = this.paramNames.map((p) => {
      try {
        return derivative(node, p).compile();
      } catch (err) {
        throw new Error(`expression law: cannot differentiate "${expression}" by ${p}: ${(err as Error).message}`);
      }
    });
  }

  toParams(theta: ArrayLike<number>): Record<string, number> {
    const out: Record<string, number> = {};
    this.paramNames.forEach((p, j) => (out[p] = this.isLog[j] ? Math.exp(theta[j]) : theta[j]));
    return out;
  }

  toTheta(params: Record<string, number>): Float64Array {
    return Float64Array.from(
      this.paramNames.map((p, j) => {
        const v = params[p];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`expression law: parameter ${p} is missing or not a finite number`);
        return this.isLog[j] ? Math.log(v) : v;
      }),
    );
  }

  logLoss(theta: ArrayLike<number>, x: Config): number {
    this.fillScope(theta, x);
    const v = this.value.evaluate(this.scope) as unknown;
    return typeof v === 'number' && v > 0 ? Math.log(v) : NaN;
  }

  logLossGrad(theta: ArrayLike<number>, x: Config, grad: Float64Array): number {
    this.fillScope(theta, x);
    const v = this.value.evaluate(this.scope) as unknown;
    if (typeof v !== 'number' || !(v > 0)) {
      grad.fill(NaN);
      return NaN;
    }
    this.derivatives.forEach((d, j) => {
      const dv = d.evaluate(this.scope) as unknown;
      const chain = this.isLog[j] ? this.scope[this.paramNames[j]] : 1;
      grad[j] = typeof dv === 'number' ? (dv * chain) / v : NaN;
    });
    return Math.log(v);
  }

  /** 2 levels per θ coordinate (at 1/3 and 2/3 of its range) up to 6 parameters, else centre + axial points. */
  defaultStarts(): number[][] {
    return this.levels([1 / 3, 2 / 3], 6);
  }

  /** 3 levels per coordinate (1/4, 1/2, 3/4) up to 6 parameters (729 starts). */
  fullStarts(): number[][] {
    return this.levels([0.25, 0.5, 0.75], 6);
  }

  private levels(fractions: number[], maxDims: number): number[][] {
    const at = (j: number, f: number) => this.theta[j].lower + f * (this.theta[j].upper - this.theta[j].lower);
    if (this.theta.length <= maxDims) return cartesian(this.theta.map((_, j) => fractions.map((f) => at(j, f))));
    const centre = this.theta.map((_, j) => at(j, 0.5));
    const starts = [centre];
    this.theta.forEach((_, j) => {
      for (const f of [0.25, 0.75]) starts.push(centre.map((c, i) => (i === j ? at(j, f) : c)));
    });
    return starts;
  }

  private fillScope(theta: ArrayLike<number>, x: Config): void {
    for (const v of this.variables) {
      const value = x[v];
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${this.name}: variable ${v} must be a finite number, got ${String(value)}`);
      this.scope[v] = value;
    }
    this.paramNames.forEach((p, j) => (this.scope[p] = this.isLog[j] ? Math.exp(theta[j]) : theta[j]));
  }
}

/** Checks every node against the whitelist; returns the symbols used (excluding function names). */
function checkNode(root: MathNode, expression: string): Set<string> {
  const used = new Set<string>();
  const functionNames = new Set<MathNode>();
  root.traverse((node) => {
    const n = node as MathNode & { fn?: unknown; op?: string; value?: unknown; name?: string };
    switch (node.type) {
      case 'OperatorNode':
        if (!ALLOWED_OPERATORS.has(String(n.fn))) throw new Error(`expression law: operator "${n.op}" is not allowed in "${expression}" (use + - * / ^)`);
        return;
      case 'ConstantNode':
        if (typeof n.value !== 'number') throw new Error(`expression law: constant ${JSON.stringify(n.value)} in "${expression}" is not a number`);
        return;
      case 'ParenthesisNode':
        return;
      case 'FunctionNode': {
        const fn = n.fn as MathNode & { name?: string };
        if (fn.type !== 'SymbolNode' || !ALLOWED_FUNCTIONS.has(String(fn.name))) {
          throw new Error(`expression law: function "${fn.name ?? fn.toString()}" is not allowed in "${expression}" (allowed: ${[...ALLOWED_FUNCTIONS].join(', ')})`);
        }
        functionNames.add(fn);
        return;
      }
      case 'SymbolNode':
        if (!functionNames.has(node)) used.add(String(n.name));
        return;
      default:
        throw new Error(`expression law: "${node.toString()}" (${node.type}) is not allowed in "${expression}": only numbers, symbols, + - * / ^ and ${[...ALLOWED_FUNCTIONS].join(', ')}`);
    }
  });
  return used;
}

/**
 * The part of CloudWatch metric math the stack's alarms use: numbers, ids, + - * /, comparisons,
 * AND/OR, and the functions IF, FILL, MAX, MIN, ABS. One value per period; a missing value is
 * `undefined` and poisons arithmetic, as a missing datapoint does in CloudWatch.
 */
type Value = number | undefined;
type Node =
  | { kind: 'number'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'unary'; op: '-'; arg: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node }
  | { kind: 'call'; name: string; args: Node[] };

const PRECEDENCE: Record<string, number> = { OR: 1, AND: 2, '==': 3, '!=': 3, '<': 3, '<=': 3, '>': 3, '>=': 3, '+': 4, '-': 4, '*': 5, '/': 5 };

function tokenize(text: string): string[] {
  const tokens = text.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|==|!=|[-+*/(),<>]/g) ?? [];
  if (tokens.join('') !== text.replace(/\s+/g, '')) throw new Error(`metric math not understood: ${text}`);
  return tokens;
}

export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (token === undefined || (expected !== undefined && token !== expected)) throw new Error(`metric math: expected ${expected ?? 'more'} in ${text}`);
    return token;
  };
  const primary = (): Node => {
    const token = take();
    if (token === '(') {
      const inner = binary(0);
      take(')');
      return inner;
    }
    if (token === '-') return { kind: 'unary', op: '-', arg: primary() };
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (peek() === '(') {
      take('(');
      const args: Node[] = [];
      while (peek() !== ')') {
        args.push(binary(0));
        if (peek() === ',') take(',');
      }
      take(')');
      return { kind: 'call', name: token.toUpperCase(), args };
    }
    return { kind: 'id', name: token };
  };
  const binary = (min: number): Node => {
    let left = primary();
    for (;;) {
      const op = peek()?.toUpperCase();
      const precedence = op !== undefined ? PRECEDENCE[op] : undefined;
      if (precedence === undefined || precedence <= min) return left;
      take();
      left = { kind: 'binary', op: op!, left, right: binary(precedence) };
    }
  };
  const node = binary(0);
  if (at !== tokens.length) throw new Error(`metric math: unexpected ${tokens[at]} in ${text}`);
  return node;
}

export function evaluateExpression(node: Node, values: (id: string) => Value): Value {
  const ev = (n: Node): Value => evaluateExpression(n, values);
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'id':
      return values(node.name);
    case 'unary': {
      const v = ev(node.arg);
      return v === undefined ? undefined : -v;
    }
    case 'binary': {
      const l = ev(node.left);
      const r = ev(node.right);
      if (l === undefined || r === undefined) return undefined;
      switch (node.op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        // CloudWatch gives no datapoint for a division by zero.
        case '/': return r === 0 ? undefined : l / r;
        case '>': return l > r ? 1 : 0;
        case '>=': return l >= r ? 1 : 0;
        case '<': return l < r ? 1 : 0;
        case '<=': return l <= r ? 1 : 0;
        case '==': return l === r ? 1 : 0;
        case '!=': return l !== r ? 1 : 0;
        case 'AND': return l !== 0 && r !== 0 ? 1 : 0;
        case 'OR': return l !== 0 || r !== 0 ? 1 : 0;
      }
      throw new Error(`metric math: operator ${node.op}`);
    }
    case 'call': {
      const args = node.args.map(ev);
      switch (node.name) {
        case 'FILL': return args[0] ?? args[1];
        case 'IF': return args[0] === undefined ? undefined : args[0] !== 0 ? args[1] : args[2];
        case 'ABS': return args[0] === undefined ? undefined : Math.abs(args[0]);
        case 'MAX': case 'MIN': {
          const present = args.filter((v): v is number => v !== undefined);
          if (present.length === 0) return undefined;
          return node.name === 'MAX' ? Math.max(...present) : Math.min(...present);
        }
      }
      throw new Error(`metric math: function ${node.name} is not supported by the replay`);
    }
  }
}

/** mongod's logical operation name for a command: the `op` of `$currentOp` and of profile entries. */
export function opType(name: string): string {
  switch (name) {
    case 'find':
      return 'query';
    case 'getMore':
      return 'getmore';
    case 'insert':
      return 'insert';
    case 'update':
      return 'update';
    case 'delete':
      return 'remove';
    default:
      return 'command';
  }
}

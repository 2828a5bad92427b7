import { InvalidArgumentError } from 'commander';

/**
 * Commander argument parsers shared by the commands: each names the option and its rule in the
 * error (commander prints it and exits 2).
 */
export function int(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

export function intIn(name: string, min: number, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got '${v}'`);
    return n;
  };
}

export function positive(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number > 0, got '${v}'`);
    return n;
  };
}

export function shareIn(name: string, min: number, max: number, minExclusive = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n > max || (minExclusive ? n <= min : n < min))
      throw new InvalidArgumentError(
        `${name} must be a share ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'up ' : ''}to ${max}, got '${v}'`,
      );
    return n;
  };
}

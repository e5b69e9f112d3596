import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { keepShape } from './keep-shape.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

class Page {
  constructor(readonly n: number) {
    keepShape(this);
  }
}
class Other {
  constructor() {
    keepShape(this);
  }
}

/** A WeakRef to a fresh instance whose only strong reference is keepShape's. */
function made<T extends object>(make: () => T): WeakRef<T> {
  return new WeakRef(make());
}

describe('keepShape', () => {
  it('holds the newest instance of each class, and only that one', async () => {
    const first = made(() => new Page(1));
    const other = made(() => new Other());
    // WeakRef targets are kept until the current job ends.
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(first.deref()?.n).toBe(1);
    const second = made(() => new Page(2));
    await new Promise((r) => setTimeout(r, 0));
    gc();
    expect(first.deref()).toBeUndefined();
    expect(second.deref()?.n).toBe(2);
    expect(other.deref()).toBeInstanceOf(Other);
  });
});

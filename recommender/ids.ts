// Maps outside ids (product SKUs, customer ids) to dense integer indices before any math, as SAR does.

export class IdIndex {
  private readonly _index = new Map<string, number>();
  private readonly _ids: string[] = [];

  /** The index of `id`, assigning the next one if it is new. */
  intern(id: string): number {
    let index = this._index.get(id);
    if (index === undefined) {
      index = this._ids.length;
      this._index.set(id, index);
      this._ids.push(id);
    }
    return index;
  }

  get(id: string): number | undefined {
    return this._index.get(id);
  }

  id(index: number): string {
    return this._ids[index];
  }

  get size(): number {
    return this._ids.length;
  }
}

/** A FIFO with O(1) shift: delivery's timers that are due and wait for a free request slot. */
export class Queue<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Takes out the first item that matches (a linear scan: for the rare take-back, not the hot path). */
  remove(match: (item: T) => boolean): T | undefined {
    const at = this.items.findIndex((item, i) => i >= this.head && match(item));
    if (at < 0) return undefined;
    return this.items.splice(at, 1)[0];
  }

  values(): T[] {
    return this.items.slice(this.head);
  }

  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

/** A bounded map affinity key → account name; the least recently used key goes first when it is full. */
export class AffinityMap {
  private readonly entries = new Map<string, string>()

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.entries.size
  }

  /** The key's account, marking the key as just used. */
  get(key: string): string | undefined {
    const account = this.entries.get(key)
    if (account !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, account)
    }
    return account
  }

  set(key: string, account: string): void {
    this.entries.delete(key)
    this.entries.set(key, account)
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
    }
  }

  /** Forgets every key pointing at `account` (it was removed from the pool). */
  forgetAccount(account: string): void {
    for (const [key, value] of this.entries) if (value === account) this.entries.delete(key)
  }
}

/**
 * What makes an error one of the facade's classes, without loading Effect: the Schema identifier of the class that
 * made it (`@codex-auth/<package>/<Tag>`, unique to codex-auth). `FacadeErrors` gives its `Schema.TaggedError` classes
 * this `instanceof`, so that an error from another copy of the engine (the facades' bundle carries its own) is an
 * instance of the classes an embedder imports from `dist/`; a runtime's startup path, which must not load Effect,
 * builds its classes with {@link standIns} from the same identifiers, so both kinds of class recognise the same errors.
 *
 * @since 0.1.0
 */

/**
 * The identifier of the codex-auth error class that made a value, if it is one.
 *
 * @since 0.1.0
 * @category identity
 */
export const identifierOf = (u: unknown): string | undefined => {
  if (!(u instanceof Error)) return undefined
  const identifier: unknown = (u.constructor as { readonly identifier?: unknown } | undefined)?.identifier
  return typeof identifier === "string" && identifier.startsWith("@codex-auth/") ? identifier : undefined
}

const ordinary = Function.prototype[Symbol.hasInstance]

const sameIdentifier = (self: { readonly identifier?: unknown }, u: unknown): boolean =>
  ordinary.call(self, u) || (identifierOf(u) !== undefined && identifierOf(u) === self.identifier)

/**
 * Gives each codex-auth error class among a module's exports the `instanceof` of {@link identifierOf}: ordinary
 * prototype checks first, then the identifier.
 *
 * @since 0.1.0
 * @category identity
 */
export const matchAcrossCopies = (exports: Record<string, unknown>): void => {
  for (const value of Object.values(exports)) {
    if (typeof value !== "function" || !(value.prototype instanceof Error)) continue
    const identifier: unknown = (value as { readonly identifier?: unknown }).identifier
    if (typeof identifier !== "string" || !identifier.startsWith("@codex-auth/")) continue
    if (Object.prototype.hasOwnProperty.call(value, Symbol.hasInstance)) continue
    Object.defineProperty(value, Symbol.hasInstance, {
      value(this: { readonly identifier?: unknown }, u: unknown): boolean {
        return sameIdentifier(this, u)
      }
    })
  }
}

/**
 * An Effect-free class standing for a facade error class `C`: `instanceof` holds for every error of `C`'s identifier
 * (whichever copy made it, and the stand-in's own), and an instance is an `Error` with `C`'s `_tag`, the given fields
 * and a short message. Typed as `C`'s instances.
 *
 * @since 0.1.0
 * @category models
 */
export interface StandIn<C extends abstract new(...args: any) => Error> {
  new(...args: ConstructorParameters<C>): InstanceType<C>
  readonly prototype: InstanceType<C>
  readonly identifier: string
  readonly _tag: string
  [Symbol.hasInstance](u: unknown): u is InstanceType<C>
}

/**
 * The names of a module's error classes (what {@link standIn}s must cover).
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorNames<M> = {
  [K in keyof M]: M[K] extends abstract new(...args: any) => Error ? K : never
}[keyof M]

/**
 * The stand-ins of one package's error classes: `standIn<typeof Errors.X>("X")` stands for the class whose identifier
 * is `@codex-auth/<package>/X`, and its instances have the `_tag` `X`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const standIn = (pkg: string) => <C extends abstract new(...args: any) => Error>(tag: string): StandIn<C> => {
  const identifier = `@codex-auth/${pkg}/${tag}`
  class Tagged extends Error {
    static readonly identifier = identifier
    static readonly _tag = tag
    static override [Symbol.hasInstance](u: unknown): boolean {
      return sameIdentifier(this, u)
    }
    readonly _tag = tag
    constructor(fields?: object) {
      super(`codex-auth: ${tag}`)
      if (fields !== undefined) Object.assign(this, fields)
      this.name = tag
    }
  }
  Object.defineProperty(Tagged, "name", { value: tag })
  return Tagged as unknown as StandIn<C>
}

/**
 * Whether a value is one of the errors the facade rejects with (they all carry a string `_tag`).
 *
 * @since 0.1.0
 * @category guards
 */
export const isCodexAuthError = (u: unknown): u is Error & { readonly _tag: string } =>
  u instanceof Error && "_tag" in u && typeof (u as { _tag: unknown })._tag === "string"

/**
 * @since 0.1.0
 */
export * as ConsolePresenter from "./ConsolePresenter.ts"

/**
 * @since 0.1.0
 */
export * as CustomHandler from "./CustomHandler.ts"

/**
 * @since 0.1.0
 */
export * as EventStreamPresenter from "./EventStreamPresenter.ts"

/**
 * @since 0.1.0
 */
export * as PastePrompt from "./PastePrompt.ts"

/**
 * @since 0.1.0
 */
export * as SilentPresenter from "./SilentPresenter.ts"

/**
 * @since 0.1.0
 */
export * as StderrTerminal from "./StderrTerminal.ts"

// The shared conformance suites (test/shared) against the Deno layer. The same suites run under vitest against the
// Node layer (packages/node/test/Conformance.test.ts): a behaviour that differs is a bug in one of the runtimes.
import { credentialStoreSuite } from "../../../test/shared/credentialStore.ts"
import { deviceFlowSuite } from "../../../test/shared/deviceFlow.ts"
import { emulatorSuite } from "../../../test/shared/emulator.ts"
import { loopbackSuite } from "../../../test/shared/loopback.ts"
import { sessionSuite } from "../../../test/shared/session.ts"
import { harness } from "./support/harness.ts"

credentialStoreSuite(harness)
loopbackSuite(harness)
deviceFlowSuite(harness)
sessionSuite(harness)
emulatorSuite(harness)

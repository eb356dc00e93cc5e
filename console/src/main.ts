// The web console's entry point: orgscope's single page, drawn by the
// router for whatever #/ route the address names.

import { startRouter } from "./router";

startRouter();

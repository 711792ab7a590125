// drafting — small progressive enhancements. Pages work without this file.
// Loaded as a file (never inline) so the Content-Security-Policy can forbid inline scripts.
"use strict";

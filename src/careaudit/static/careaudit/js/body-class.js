// Load as a classic script (no defer/async/type=module), first thing in <body>.
// External equivalent of GOV.UK Frontend's inline snippet, so CSP needs no 'unsafe-inline'.
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");

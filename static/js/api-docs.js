/* Starts swagger-ui on /api/v1/docs (a static file: the CSP may forbid inline scripts).
   Everything it loads is INFO's own: the document, and the library from /vendor. */
(function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") { return; }
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    validatorUrl: null,          // no badge from an outside validator service
    tryItOutEnabled: true
  });
})();

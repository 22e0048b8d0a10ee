// Lives in its own file rather than inline so that the page works under a CSP without
// 'unsafe-inline' for scripts.
(function () {
  "use strict";
  // Resolved against the page rather than written as "/openapi.json" so that the docs keep
  // working when a reverse proxy publishes the service under a path prefix.
  var specURL = new URL("openapi.json", document.baseURI).href;

  window.ui = SwaggerUIBundle({
    url: specURL,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    // Keeps the bearer token across reloads, so trying several operations needs one login.
    persistAuthorization: true,
    // The default sends the document to an outside validator, which an intranet cannot reach
    // and which must not see our API anyway.
    validatorUrl: null,
    docExpansion: "list",
    filter: true,
    displayRequestDuration: true,
    defaultModelsExpandDepth: 0
  });
})();

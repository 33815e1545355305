// Starts the vendored Swagger UI on the schema named by #swagger-ui[data-schema-url].
// No inline script (CSP): the page only carries the URL in a data attribute.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  window.SwaggerUIBundle({
    url: node.dataset.schemaUrl,
    domNode: node,
    // Deep links would put a link inside each operation's button (nested controls, axe-core).
    deepLinking: false,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Signed-in staff try the API with their session: Django wants the CSRF token on writes.
    requestInterceptor: function (request) {
      var token = cookie("csrftoken");
      if (token) {
        request.headers["X-CSRFToken"] = token;
      }
      return request;
    },
    validatorUrl: null
  });
})();

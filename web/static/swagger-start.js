// Starts Swagger UI on /api/docs (web/templates/swagger_ui.html): a file, not an inline
// script, so that the page's Content-Security-Policy allows scripts from the registry only.
window.addEventListener("load", function () {
  var container = document.getElementById("swagger-ui-container");
  window.ui = SwaggerUIBundle({
    url: container.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui-container",
  });
});

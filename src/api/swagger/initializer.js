// Swagger UI of huimin (served by the service in place of the bundled initializer).
window.onload = function () {
  const config = /* config */ {};
  // swagger-client reads a text/csv answer with Response.text(), which drops the UTF-8 byte
  // order mark, and "Download file" saves that text: put the mark back so that Excel reads the
  // ledger's Chinese as UTF-8.
  config.responseInterceptor = function (response) {
    const type = (response.headers && response.headers["content-type"]) || "";
    if (/^text\/csv/i.test(type) && typeof response.text === "string"
        && response.text.charCodeAt(0) !== 0xfeff) {
      response.text = "\ufeff" + response.text;
      response.data = response.text;
    }
    return response;
  };
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
  config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
  window.ui = SwaggerUIBundle(config);
};

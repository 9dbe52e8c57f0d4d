// GraphiQL on Fengqiao: every request carries the pasted bearer token. The token lives in this
// tab's sessionStorage only (gone when the tab closes), never in the URL or a cookie.
(function () {
  "use strict";
  var KEY = "fengqiao-graphiql-token";
  var url = window.location.pathname;
  var field = document.getElementById("token");
  var state = document.getElementById("token-state");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  var generation = 0;
  var DEFAULT_QUERY = "# Paste a token above, then run (Ctrl-Enter).\n{\n  disputes(first: 5) {\n    totalCount\n    edges { node { caseNumber status } }\n  }\n}\n";

  function token() {
    return window.sessionStorage.getItem(KEY) || "";
  }

  function fetcher(params, options) {
    var headers = Object.assign({"Content-Type": "application/json", "Accept": "application/json"},
                                (options && options.headers) || {});
    if (token()) {
      headers.Authorization = "Bearer " + token();
    }
    return fetch(url, {method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit"})
      .then(function (response) { return response.json(); });
  }

  function render() {
    generation += 1;  // a new key: GraphiQL fetches the schema again with the new token
    state.textContent = token() ? "token in use (this tab only)" : "no token: every request is refused (401)";
    root.render(React.createElement(GraphiQL, {
      key: "g" + generation,
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false
    }));
  }

  document.getElementById("token-bar").addEventListener("submit", function (event) {
    event.preventDefault();
    var value = field.value.trim().replace(/^bearer\s+/i, "");
    if (value) {
      window.sessionStorage.setItem(KEY, value);
    }
    field.value = "";
    render();
  });
  document.getElementById("forget-token").addEventListener("click", function () {
    window.sessionStorage.removeItem(KEY);
    render();
  });
  render();
})();

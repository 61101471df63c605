// GraphQL over HTTP (POST /graphql) and graphql-transport-ws for subscriptions. The API key is read
// from sessionStorage for each call and sent only in the Authorization header / connection_init.

export const KEY_STORAGE = "ezy.console.apiKey";
// The page may sit behind a path prefix: /graphql is found relative to this module's own URL.
export const GRAPHQL = new URL("../../../graphql", import.meta.url);
export const DOCS = new URL("../../../docs", import.meta.url);

export const getKey = () => sessionStorage.getItem(KEY_STORAGE) || "";
export const setKey = (key) => sessionStorage.setItem(KEY_STORAGE, key);
export const clearKey = () => sessionStorage.removeItem(KEY_STORAGE);

let onUnauthorized = () => {};
export const whenUnauthorized = (handler) => {
  onUnauthorized = handler;
};

export class ApiError extends Error {
  constructor(message, { status = 200, type = "", fieldErrors = [] } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.fieldErrors = fieldErrors;
  }
}

// What a mutation selects of its expected errors; GraphQL refuses a fragment on a type its union lacks,
// so each names its own: V validation, C conflict, M version mismatch (not found needs only `message`).
export function errs(kinds = "") {
  return `__typename ... on Error { message }${kinds.includes("V") ? " ... on ValidationError { fieldErrors { pointer message } }" : ""}${
    kinds.includes("M") ? " ... on VersionMismatchError { currentVersion }" : ""}${kinds.includes("C") ? " ... on ConflictError { referencedBy { kind ids } }" : ""}`;
}

export async function gql(query, variables = {}, key = getKey()) {
  let response;
  try {
    response = await fetch(GRAPHQL, {
      method: "POST",
      headers: { Authorization: `ApiKey ${key}`, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(`The server could not be reached (${err.message}).`, { status: 0 });
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    // REST-style problem details: `detail` is the API's reason, shown as it is.
    const reason = (body && (body.detail || body.title)) || `${response.status} ${response.statusText}`;
    const error = new ApiError(reason, { status: response.status, fieldErrors: (body && body.errors) || [] });
    if (response.status === 401) onUnauthorized(reason);
    throw error;
  }
  if (body && body.errors && body.errors.length) {
    // A refused document is the console's bug, not the user's: say so where developers (and tests) look.
    console.error("GraphQL errors:", body.errors.map((e) => e.message).join("; "));
    throw new ApiError(body.errors.map((e) => e.message).join("; "), { type: "GraphQLError" });
  }
  return body.data;
}

// A mutation's union answer: the payload, or an ApiError carrying the typed error's words and pointers.
export function unwrap(result) {
  if (result && typeof result.message === "string" && /Error$/.test(result.__typename || "")) {
    let message = result.message;
    if (result.__typename === "VersionMismatchError") message += " (someone changed it meanwhile: reload and try again)";
    if (result.referencedBy && result.referencedBy.length && !/used by/.test(message)) {
      message += ` — used by ${result.referencedBy.map((r) => `${r.ids.length} ${r.kind}`).join(", ")}`;
    }
    throw new ApiError(message, { type: result.__typename, fieldErrors: result.fieldErrors || [] });
  }
  return result;
}

export async function mutate(query, variables, field) {
  const data = await gql(query, variables);
  return unwrap(data[field]);
}

export const RUN_FIELDS = `id instanceId correlationId trigger status attempt overlap createdAt startedAt finishedAt error
  counts { total success failed skipped }
  stages { extract { in out failed ms } normalize { in out failed ms } transform { in out failed ms }
           validate { in out failed ms } load { in out failed ms } }`;

const TERMINAL = new Set(["SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED"]);
export const isTerminal = (status) => TERMINAL.has(status);

// Follows a run live: the runProgress subscription, or polling syncEvent when WebSockets fail.
// Returns a function that stops following.
export function watchRun(correlationId, onRun) {
  let stopped = false;
  let timer = null;
  let socket = null;
  let finished = false;
  const emit = (run) => {
    if (stopped) return;
    onRun(run);
    if (isTerminal(run.status)) finished = true;
  };
  const poll = async () => {
    if (stopped || finished) return;
    try {
      const data = await gql(`query($c: ID!) { syncEvent(correlationId: $c) { syncLog { ${RUN_FIELDS} } } }`, { c: correlationId });
      if (data.syncEvent) emit(data.syncEvent.syncLog);
    } catch (err) {
      if (err.status === 401) return;
    }
    if (!stopped && !finished) timer = setTimeout(poll, 1500);
  };
  try {
    const url = new URL(GRAPHQL);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(url, "graphql-transport-ws");
  } catch {
    poll();
    return () => { stopped = true; clearTimeout(timer); };
  }
  socket.addEventListener("open", () => {
    socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `ApiKey ${getKey()}` } }));
  });
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "connection_ack") {
      const query = `subscription($c: ID!) { runProgress(correlationId: $c) { ${RUN_FIELDS} } }`;
      socket.send(JSON.stringify({ id: "run", type: "subscribe", payload: { query, variables: { c: correlationId } } }));
    } else if (message.type === "next" && message.payload.data) {
      emit(message.payload.data.runProgress);
    } else if (message.type === "ping") {
      socket.send(JSON.stringify({ type: "pong" }));
    } else if (message.type === "error") {
      finished = true; // e.g. a run this tenant does not have: nothing to follow
      socket.close();
    } else if (message.type === "complete") {
      finished = true;
      socket.close();
    }
  });
  // Closed before the run ended (proxy without WebSockets, server restart...): poll instead.
  socket.addEventListener("close", () => {
    if (!stopped && !finished) poll();
  });
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= 1) socket.close();
  };
}

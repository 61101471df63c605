// The side panel (details and forms open where the eye is), the confirmation dialog and the toast.
import { $, el, fill } from "./dom.js";

let opener = null;
let onClose = null;

export function openPanel(title, { wide = false, closed = null } = {}) {
  const panel = $("panel");
  if (panel.hidden) opener = document.activeElement;
  if (onClose && onClose !== closed) onClose();
  onClose = closed;
  panel.classList.toggle("wide", wide);
  $("panel-title").textContent = title;
  $("panel-body").replaceChildren();
  panel.hidden = false;
  document.body.classList.add("with-panel");
  $("panel-title").focus();
  return $("panel-body");
}

export const panelOpen = () => !$("panel").hidden;
export const setPanelTitle = (title) => { $("panel-title").textContent = title; };

export function closePanel({ restoreFocus = true } = {}) {
  const panel = $("panel");
  if (panel.hidden) return;
  panel.hidden = true;
  document.body.classList.remove("with-panel");
  $("panel-body").replaceChildren();
  const done = onClose;
  onClose = null;
  if (done) done();
  if (restoreFocus && opener && document.contains(opener)) opener.focus();
  opener = null;
}

// A modal question; resolves true on OK. The text says what will happen and to how many.
export function confirmAction(message, okLabel = "OK") {
  const dialog = $("confirm");
  $("confirm-text").textContent = message;
  $("confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("confirm-ok").removeEventListener("click", ok);
      $("confirm-cancel").removeEventListener("click", cancel);
      dialog.removeEventListener("cancel", cancel);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const ok = () => finish(true);
    const cancel = () => finish(false);
    $("confirm-ok").addEventListener("click", ok);
    $("confirm-cancel").addEventListener("click", cancel);
    dialog.addEventListener("cancel", cancel);
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

let toastTimer = null;
export function toast(message, kind = "ok") {
  const node = $("toast");
  fill(node, el("span", { className: kind }, message));
  node.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => node.classList.remove("show"), 4000);
}

export function wireUi() {
  $("panel-close").addEventListener("click", () => closePanel());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && panelOpen() && !$("confirm").open) closePanel();
  });
}

// The little the pages need beyond plain forms: drag and drop (files, folders, zips), a live
// progress box while a run is active. Without
// JavaScript every action still works as a form.
"use strict";

function filesOfEntry(entry) {
  // A dropped folder: every file in it, recursively.
  return new Promise((resolve) => {
    if (entry.isFile) { entry.file((f) => resolve([f]), () => resolve([])); return; }
    if (!entry.isDirectory) { resolve([]); return; }
    const reader = entry.createReader();
    const all = [];
    const more = () => reader.readEntries(async (entries) => {
      if (!entries.length) { resolve(all); return; }
      for (const e of entries) all.push(...await filesOfEntry(e));
      more();
    }, () => resolve(all));
    more();
  });
}

async function upload(form, files) {
  const result = document.getElementById("upload-result");
  const body = new FormData();
  for (const f of files) body.append("files", f, f.name);
  result.textContent = `Laddar upp ${files.length} fil(er) …`;
  const response = await fetch(form.dataset.url, { method: "POST", body, headers: { "X-Requested-With": "fetch" } });
  const answer = await response.json().catch(() => ({ error: `Uppladdningen misslyckades (${response.status}).` }));
  if (!response.ok) { result.textContent = answer.error; result.className = "upload-result error"; return; }
  window.location.reload();
}

function setUpDropzone() {
  const form = document.getElementById("upload");
  if (!form) return;
  const input = document.getElementById("file-input");
  form.addEventListener("submit", (event) => { event.preventDefault(); if (input.files.length) upload(form, input.files); });
  input.addEventListener("change", () => { if (input.files.length) upload(form, input.files); });
  ["dragenter", "dragover"].forEach((t) => form.addEventListener(t, (e) => { e.preventDefault(); form.classList.add("over"); }));
  form.addEventListener("dragleave", () => form.classList.remove("over"));
  form.addEventListener("drop", async (event) => {
    event.preventDefault();
    form.classList.remove("over");
    const entries = [...event.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    let files = [];
    if (entries.length) { for (const e of entries) files.push(...await filesOfEntry(e)); }
    else files = [...event.dataTransfer.files];
    if (files.length) upload(form, files);
  });
}

function watchProgress() {
  const box = document.getElementById("framsteg");
  if (!box || box.dataset.active !== "ja") return;
  const timer = setInterval(async () => {
    const response = await fetch(box.dataset.url);
    if (!response.ok) return;
    const html = await response.text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("framsteg");
    if (!fresh) return;
    document.getElementById("framsteg").replaceWith(fresh);
    if (fresh.dataset.active !== "ja") { clearInterval(timer); window.location.reload(); }
  }, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpDropzone();
  watchProgress();
});

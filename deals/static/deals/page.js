"use strict";
// The page's upload box: the file goes to POST /api/deals/ by XHR, with a bar for the transfer; the
// server's phase and row count come from GET /api/uploads/?status=running meanwhile; then the new
// report and the last uploads are swapped in (rendered by the server, GET parts/) without a reload,
// or the error is shown with its line. Without JavaScript the form posts as an ordinary form.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) {
    return;
  }
  const fileInput = document.getElementById("deals-file");
  const tokenInput = document.getElementById("upload-token");
  const dropZone = document.getElementById("drop-zone");
  const button = document.getElementById("upload-button");
  const statusBox = document.getElementById("upload-status");
  const transfer = document.getElementById("transfer");
  const transferText = document.getElementById("transfer-text");
  const serverProgress = document.getElementById("server-progress");
  const result = document.getElementById("upload-result");
  const errorList = document.getElementById("upload-errors");
  const checkOnly = document.getElementById("check-only");
  const POLL_MS = 500;

  function headers(accept) {
    const all = { Accept: accept || "application/json" };
    if (tokenInput && tokenInput.value) {
      all.Authorization = "Token " + tokenInput.value;
    }
    return all;
  }

  function size(bytes) {
    if (bytes < 1024 * 1024) {
      return (bytes / 1024).toFixed(1) + " KiB";
    }
    return (bytes / 1024 / 1024).toFixed(1) + " MiB";
  }

  function showResult(text, kind, errors) {
    result.className = kind;
    result.textContent = text;
    // Every bad line the server listed, one an item (the text is the server's, never markup).
    errorList.replaceChildren();
    (errors || []).forEach(function (error) {
      const item = document.createElement("li");
      item.textContent = error.message;
      errorList.appendChild(item);
    });
    errorList.hidden = errorList.children.length < 2;
  }

  // Drag and drop onto the file chooser's box.
  ["dragenter", "dragover"].forEach(function (type) {
    dropZone.addEventListener(type, function (event) {
      event.preventDefault();
      dropZone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropZone.addEventListener(type, function () {
      dropZone.classList.remove("dragging");
    });
  });
  dropZone.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) {
      fileInput.files = event.dataTransfer.files;
    }
  });

  // The newest upload before ours: ours is the running one after it with our file's name.
  async function newestUploadId() {
    try {
      const answer = await fetch(form.dataset.uploadsUrl + "?page_size=1", { headers: headers() });
      if (!answer.ok) {
        return 0;
      }
      const page = await answer.json();
      return page.results.length ? page.results[0].id : 0;
    } catch (error) {
      return 0;
    }
  }

  function describe(upload) {
    const parts = [upload.phase || upload.status];
    if (upload.rows_stored !== null) {
      parts.push(upload.rows_stored.toLocaleString("en") + " rows stored");
    }
    if (upload.bytes_received !== null) {
      parts.push(size(upload.bytes_received) + " read");
    }
    parts.push(Math.round(upload.elapsed_seconds) + " s");
    return "Server: " + parts.join(", ");
  }

  // Polls the running uploads until the returned function is called.
  function watchServer(name, after) {
    let stopped = false;
    let timer = null;
    async function poll() {
      try {
        const answer = await fetch(form.dataset.uploadsUrl + "?status=running&page_size=50", { headers: headers() });
        if (answer.ok && !stopped) {
          const mine = (await answer.json()).results.find(function (upload) {
            return upload.id > after && upload.file_name === name;
          });
          if (mine && !stopped) {
            serverProgress.textContent = describe(mine);
          }
        }
      } catch (error) {
        // The upload's own answer says what went wrong.
      }
      if (!stopped) {
        timer = setTimeout(poll, POLL_MS);
      }
    }
    timer = setTimeout(poll, POLL_MS);
    return function () {
      stopped = true;
      clearTimeout(timer);
    };
  }

  // The report and the last uploads, as the server renders them.
  async function refreshParts() {
    const answer = await fetch(form.dataset.partsUrl, { headers: headers("text/html") });
    if (!answer.ok) {
      return;
    }
    const fresh = new DOMParser().parseFromString(await answer.text(), "text/html");
    ["report-part", "uploads-part"].forEach(function (id) {
      const part = fresh.getElementById(id);
      if (part) {
        document.getElementById(id).innerHTML = part.innerHTML;
      }
    });
  }

  // The new report and history first, then the outcome: once it shows, the page is up to date.
  async function finished(xhr) {
    let answer = null;
    try {
      answer = JSON.parse(xhr.responseText);
    } catch (error) {
      answer = null;
    }
    try {
      await refreshParts();
    } catch (error) {
      // The outcome is still worth showing; a reload shows the report.
    }
    serverProgress.textContent = "";
    if (xhr.status === 200 && answer && answer.Status === "OK" && answer.checked) {
      showResult(
        "Checked " + answer.rows.toLocaleString("en") + " deals: no problem found; nothing was loaded (upload " +
          answer.upload + ").",
        "ok",
      );
    } else if (xhr.status === 200 && answer && answer.Status === "OK") {
      showResult("Loaded " + answer.rows.toLocaleString("en") + " deals (upload " + answer.upload + ").", "ok");
    } else if (answer && answer.Desc) {
      showResult(answer.Desc, "error", answer.errors);
    } else {
      showResult("The server answered " + xhr.status + "; nothing was loaded.", "error");
    }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) {
      showResult("Choose a CSV file first.", "error");
      return;
    }
    button.disabled = true;
    statusBox.hidden = false;
    showResult("", "");
    serverProgress.textContent = "";
    transfer.max = file.size || 1;
    transfer.value = 0;
    transferText.textContent = "0%";
    const stopWatching = watchServer(file.name, await newestUploadId());

    const data = new FormData();
    data.append("deals", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action + (checkOnly.checked ? "?check=1" : ""));
    Object.entries(headers()).forEach(function (header) {
      xhr.setRequestHeader(header[0], header[1]);
    });
    xhr.upload.addEventListener("progress", function (progress) {
      if (progress.lengthComputable) {
        transfer.max = progress.total;
        transfer.value = progress.loaded;
        transferText.textContent = Math.floor((100 * progress.loaded) / progress.total) + "%";
      }
    });
    xhr.upload.addEventListener("load", function () {
      transferText.textContent = "100%: sent; the server is storing it";
    });
    xhr.addEventListener("loadend", async function () {
      stopWatching();
      if (xhr.status === 0) {
        showResult("The connection to the server failed; nothing was loaded.", "error");
      } else {
        await finished(xhr);
      }
      button.disabled = false;
    });
    xhr.send(data);
  });
})();

// POST /upload with XMLHttpRequest: fetch() reports no upload progress.
// Resolves {status, body} (body parsed JSON, or {ok:false,...} when not JSON).

const UPLOAD_TIMEOUT_MS = 30 * 60 * 1000;

// onSent(): every byte is out; the reply comes after the server's checks
// and conversion, which can take a while for a long video.
export function uploadFile(file, { headers = {}, onProgress = () => {}, onSent = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/upload');
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.timeout = UPLOAD_TIMEOUT_MS;
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.upload.onload = () => onSent();
    xhr.onload = () => {
      let body;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { ok: false, error: `http_${xhr.status}`, message: xhr.responseText.slice(0, 200) || xhr.statusText };
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('upload failed: network error'));
    xhr.ontimeout = () => reject(new Error('upload timed out'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

// Security keys (WebAuthn) as the second factor: registering one on the keys page and answering
// the verification page's challenge. The server renders the ceremony's options (with a challenge
// kept in the session) as JSON data; this script hands them to the browser's authenticator API,
// turns the answer back into JSON (binary fields as base64url) and posts the form.
(function () {
  "use strict";

  function toBuffer(value) {
    var text = value.replace(/-/g, "+").replace(/_/g, "/");
    while (text.length % 4) text += "=";
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function readOptions(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var descriptor = { type: item.type, id: toBuffer(item.id) };
      if (item.transports) descriptor.transports = item.transports;
      return descriptor;
    });
  }

  // The authenticator's answer as the server reads it (binary fields as base64url); `response`
  // holds the fields of the ceremony's own response.
  function answer(credential, response) {
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined
    };
  }

  function showError(form, text) {
    var box = form.querySelector("[data-security-key-error]");
    if (!box) return;
    box.textContent = text;
    box.classList.remove("d-none");
  }

  function supported(form) {
    if (window.PublicKeyCredential && navigator.credentials) return true;
    showError(form, form.dataset.unsupported);
    return false;
  }

  // `asIs(form)` true: the form posts without asking the key (the server names what is missing).
  function bind(form, optionsId, fieldName, ask, asIs) {
    var options = readOptions(optionsId);
    if (!options) return;
    form.addEventListener("submit", function (event) {
      var field = form.querySelector("input[name=" + fieldName + "]");
      if (field.value || (asIs && asIs(form))) return;
      if (form.dataset.busy) { event.preventDefault(); return; }
      event.preventDefault();
      if (!supported(form)) return;
      form.dataset.busy = "1";
      ask(options)
        .then(function (answer) {
          field.value = JSON.stringify(answer);
          form.submit();
        })
        .catch(function () {
          delete form.dataset.busy;
          showError(form, form.dataset.failed);
        });
    });
  }

  var register = document.querySelector("form[data-security-key-register]");
  if (register) {
    bind(register, "security-key-registration-options", "credential", function (options) {
      var publicKey = {
        challenge: toBuffer(options.challenge),
        rp: options.rp,
        user: {
          id: toBuffer(options.user.id),
          name: options.user.name,
          displayName: options.user.displayName
        },
        pubKeyCredParams: options.pubKeyCredParams,
        timeout: options.timeout,
        excludeCredentials: descriptors(options.excludeCredentials),
        authenticatorSelection: options.authenticatorSelection,
        attestation: options.attestation
      };
      return navigator.credentials.create({ publicKey: publicKey }).then(function (credential) {
        var response = credential.response;
        return answer(credential, {
          clientDataJSON: toBase64url(response.clientDataJSON),
          attestationObject: toBase64url(response.attestationObject),
          transports: response.getTransports ? response.getTransports() : []
        });
      });
    }, function (form) {
      var name = form.querySelector("input[name=name]");
      return !name || !name.value.trim();
    });
  }

  var signIn = document.querySelector("form[data-security-key-sign-in]");
  if (signIn) {
    bind(signIn, "security-key-sign-in-options", "assertion", function (options) {
      var publicKey = {
        challenge: toBuffer(options.challenge),
        timeout: options.timeout,
        rpId: options.rpId,
        allowCredentials: descriptors(options.allowCredentials),
        userVerification: options.userVerification
      };
      return navigator.credentials.get({ publicKey: publicKey }).then(function (credential) {
        var response = credential.response;
        return answer(credential, {
          clientDataJSON: toBase64url(response.clientDataJSON),
          authenticatorData: toBase64url(response.authenticatorData),
          signature: toBase64url(response.signature),
          userHandle: response.userHandle ? toBase64url(response.userHandle) : undefined
        });
      });
    });
  }
})();

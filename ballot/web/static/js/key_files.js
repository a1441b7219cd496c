// The trustees' key files, shown once after a key ceremony held here: each file's
// "saved" box can be ticked only once its file was downloaded, the committee cannot
// continue until every box is ticked, and leaving the page before that asks first
// (a file not saved now is lost for good).  Without JavaScript the boxes are still
// required by the form, so "Continue" is refused until each is ticked.

const section = document.querySelector("[data-key-files]");
if (section) {
  const form = section.querySelector("#key-files-form");
  const button = section.querySelector("#key-files-done");
  const status = section.querySelector("#key-files-status");
  const words = JSON.parse(document.getElementById("key-files-words").textContent);
  const boxes = [...section.querySelectorAll("input[data-saved]")];
  let leaving = false;

  const unsaved = () => boxes.filter((box) => !box.checked).length;

  const show = () => {
    const left = unsaved();
    button.disabled = left > 0;
    button.setAttribute("aria-disabled", String(left > 0));
    status.textContent = left > 0 ? words.left.replace("%(num)s", String(left)) : words.done;
  };

  for (const box of boxes) {
    const link = section.querySelector(`a[data-key-file="${box.dataset.saved}"]`);
    const hint = document.createElement("span");
    hint.className = "hint";
    hint.id = `saved-${box.dataset.saved}-first`;
    hint.textContent = ` ${words.first}`;
    box.disabled = true;
    box.setAttribute("aria-describedby", hint.id);
    box.parentElement.append(hint);
    link.addEventListener("click", () => {
      box.disabled = false;
      box.removeAttribute("aria-describedby");
      hint.remove();
    });
    box.addEventListener("change", show);
  }

  window.addEventListener("beforeunload", (event) => {
    if (!leaving && unsaved() > 0) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  form.addEventListener("submit", (event) => {
    if (unsaved() > 0) {
      event.preventDefault();
      return;
    }
    leaving = true;
  });
  show();
}

// Enter in a field marked data-enter-presses="NAME" presses the form's button named NAME
// instead of the form's first button (a search field inside a larger form: Enter searches,
// it does not save). Without this script Enter still works, pressing the first button.
document.addEventListener("keydown", (event) => {
  const field = event.target;
  if (event.key !== "Enter" || !(field instanceof HTMLInputElement) || !field.dataset.enterPresses) {
    return;
  }
  const button = field.form && field.form.querySelector(`button[name="${field.dataset.enterPresses}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});

// The main menu folds behind a «Meny» button on a narrow screen (the style sheet decides
// when: under 600 px). Loaded right after the menu, not deferred, so the menu is folded
// before the page is first shown; without this file the menu is always open.
(() => {
  const nav = document.querySelector(".site-nav--foldable");
  const button = nav && nav.querySelector(".site-nav__toggle");
  if (!button) return;
  const open = (yes) => button.setAttribute("aria-expanded", yes ? "true" : "false");
  nav.classList.add("site-nav--enhanced");
  open(false);
  button.addEventListener("click", () => open(button.getAttribute("aria-expanded") !== "true"));
  // Escape closes the open menu from anywhere in it and gives the focus back to the button.
  nav.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || button.getAttribute("aria-expanded") !== "true") return;
    if (getComputedStyle(button).display === "none") return; // wide screen: nothing folds
    open(false);
    button.focus();
  });
})();

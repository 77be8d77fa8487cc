// A task's decision form shows the fields the chosen decision carries (a correction's, a
// schedule's), and of a correction's details those of the chosen record type. Without this
// script every field shows, and the page sends on only what the chosen decision carries.
(function () {
  var decision = document.getElementById('decision');
  if (!decision) return;
  var groups = document.querySelectorAll('fieldset[data-for]');
  var typeCode = document.getElementById('typeCode');
  function show() {
    groups.forEach(function (group) {
      group.hidden = group.getAttribute('data-for').split(' ').indexOf(decision.value) < 0;
    });
    if (typeCode) {
      document.querySelectorAll('fieldset.details').forEach(function (details) {
        details.hidden = details.getAttribute('data-type') !== typeCode.value;
      });
    }
  }
  decision.addEventListener('change', show);
  if (typeCode) typeCode.addEventListener('change', show);
  show();
})();

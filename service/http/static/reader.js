/* citeqa reader: bring the cited range into view. */
(function () {
  "use strict";
  var cited = document.getElementById("cited");
  if (cited && cited.scrollIntoView) cited.scrollIntoView({ block: "center" });
})();

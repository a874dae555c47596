// Hostile: 200,000 console lines while the page loads.
for (var i = 0; i < 200000; i++) { console.log("flood " + i); }

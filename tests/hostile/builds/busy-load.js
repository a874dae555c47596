// Hostile: the script never finishes, so the page never loads and never answers.
for (;;) { /* never yields */ }

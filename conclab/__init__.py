"""conclab: the kit's own tooling, one package organised by what it does.

  kit          facts about the kit that every tool shares: where it is, its labs, each
               lab's student files, its file list, what only instructors get
  overlay      the one overlay: labs/ with some student files laid over it
  grading/     build a tree and grade it (make grade, Gradescope, batches)
  selfcheck/   the kit checks itself (make test)
  instructor/  the handout, the Gradescope bundle, batch grading
  bench/       benchmarks and gnuplot charts

Python 3.10 or later, standard library only. People run the thin commands in scripts/;
make runs `python3 -m conclab.<module>` from the top of the kit.
"""

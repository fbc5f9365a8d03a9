# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# waits for the GIL: x y dx dy (ms, row)
98.385438 2 0.048702 0.14
59.354321 1 38.990771 0.14
107.240801 1 7.759199 0.14
EOD
$span1 << EOD
# holds the GIL: x y dx dy (ms, row)
56.668368 2 41.668368 0.3
106.717071 2 8.282930 0.3
98.345849 1 0.000757 0.3
EOD
$span2 << EOD
# sleeps: x y dx dy (ms, row)
98.941545 1 0.539685 0.14
EOD
$instant0 << EOD
# tick drop: x y (ms, row)
98.336736 2.38
EOD

set terminal pngcairo size 1200,310 font 'DejaVu Sans,10'
set output "gil-trace-old.png"
set termoption noenhanced
set title "gil_io, old GIL, 1 CPU + 1 I/O thread: who ran when\nbuild/solutions/02-gil/gil_io --cpu-threads 1 --iterations 40 --mode old --trace docs/figures/data/gil-trace-old.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [15.000000:115.000000]
set yrange [0.4:2.85]
set ytics ("cpu" 2, "io" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#d62728' title "waits for the GIL", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#2ca02c' title "holds the GIL", \
     $span2 using 1:2:3:4 with boxxyerror lc rgb '#9467bd' title "sleeps", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#8c564b' title "tick drop"

set terminal svg size 1200,310 dynamic font 'DejaVu Sans,11'
set output "gil-trace-old.svg"
set termoption noenhanced
set title "gil_io, old GIL, 1 CPU + 1 I/O thread: who ran when\nbuild/solutions/02-gil/gil_io --cpu-threads 1 --iterations 40 --mode old --trace docs/figures/data/gil-trace-old.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [15.000000:115.000000]
set yrange [0.4:2.85]
set ytics ("cpu" 2, "io" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#d62728' title "waits for the GIL", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#2ca02c' title "holds the GIL", \
     $span2 using 1:2:3:4 with boxxyerror lc rgb '#9467bd' title "sleeps", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#8c564b' title "tick drop"
set output

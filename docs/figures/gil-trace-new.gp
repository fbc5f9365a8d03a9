# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# waits for the GIL: x y dx dy (ms, row)
24.965381 2 0.105916 0.14
31.304398 2 0.149069 0.14
37.626023 2 0.096259 0.14
43.857876 2 0.073665 0.14
50.098446 2 0.076109 0.14
56.368352 2 0.092070 0.14
62.593012 2 0.075549 0.14
68.847783 2 0.076586 0.14
75.087958 2 0.060019 0.14
81.433864 2 0.098917 0.14
89.495444 2 0.079922 0.14
95.750837 2 0.085929 0.14
101.989624 2 0.076490 0.14
108.217640 2 0.074526 0.14
114.449354 2 0.088183 0.14
22.391123 1 2.633795 0.14
28.744107 1 2.660656 0.14
35.059049 1 2.586275 0.14
41.308325 1 2.598819 0.14
47.551476 1 2.587252 0.14
53.796093 1 2.603994 0.14
60.046447 1 2.585604 0.14
66.303037 1 2.607706 0.14
72.529987 1 2.567394 0.14
78.884423 1 2.617320 0.14
86.051598 1 3.478831 0.14
93.188548 1 2.603623 0.14
99.433045 1 2.585178 0.14
105.661082 1 2.586832 0.14
111.891818 1 2.591305 0.14
EOD
$span1 << EOD
# holds the GIL: x y dx dy (ms, row)
19.929733 2 4.929733 0.3
28.113314 2 3.042016 0.3
34.491616 2 3.038149 0.3
40.753246 2 3.030965 0.3
46.976939 2 3.045398 0.3
53.225418 2 3.050863 0.3
59.488943 2 3.028520 0.3
65.719879 2 3.051319 0.3
71.976154 2 3.051785 0.3
78.241461 2 3.093485 0.3
85.474152 2 3.941370 0.3
92.620137 2 3.044772 0.3
98.874950 2 3.038184 0.3
105.104614 2 3.038500 0.3
111.326669 2 3.034502 0.3
114.768768 2 0.231232 0.3
25.025510 1 0.000591 0.3
31.405936 1 0.001172 0.3
37.646456 1 0.001132 0.3
43.908076 1 0.000932 0.3
50.139699 1 0.000972 0.3
56.400964 1 0.000877 0.3
62.632842 1 0.000791 0.3
68.911585 1 0.000841 0.3
75.098237 1 0.000856 0.3
81.502585 1 0.000841 0.3
89.531342 1 0.000912 0.3
95.793013 1 0.000841 0.3
102.019025 1 0.000802 0.3
108.248719 1 0.000807 0.3
114.483925 1 0.000802 0.3
EOD
$span2 << EOD
# sleeps: x y dx dy (ms, row)
25.554892 1 0.528149 0.14
31.939991 1 0.532342 0.14
38.178587 1 0.530618 0.14
44.436656 1 0.527187 0.14
50.666446 1 0.525364 0.14
56.931472 1 0.529181 0.14
63.164554 1 0.530628 0.14
69.437574 1 0.524828 0.14
75.683179 1 0.583784 0.14
82.038176 1 0.534371 0.14
90.058679 1 0.526105 0.14
96.320946 1 0.526761 0.14
102.547074 1 0.526997 0.14
108.775030 1 0.525334 0.14
114.742453 1 0.257547 0.14
EOD
$instant0 << EOD
# asked to drop: x y (ms, row)
24.859665 2.38
31.155541 2.38
37.530145 2.38
43.784411 2.38
50.022527 2.38
56.276603 2.38
62.517793 2.38
68.771449 2.38
75.028149 2.38
81.335155 2.38
89.415783 2.38
95.664949 2.38
101.913324 2.38
108.143304 2.38
114.361521 2.38
EOD
$instant1 << EOD
# forced switch: x y (ms, row)
24.859465 2.48
31.155330 2.48
37.529764 2.48
43.784211 2.48
50.022337 2.48
56.276282 2.48
62.517463 2.48
68.771198 2.48
75.027939 2.48
81.334946 2.48
89.415522 2.48
95.664909 2.48
101.913134 2.48
108.143114 2.48
114.361171 2.48
EOD

set terminal pngcairo size 1200,328 font 'DejaVu Sans,10'
set output "gil-trace-new.png"
set termoption noenhanced
set title "gil_io, new GIL, 1 CPU + 1 I/O thread: who ran when\nbuild/solutions/02-gil/gil_io --cpu-threads 1 --iterations 40 --mode new --trace docs/figures/data/gil-trace-new.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
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
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#8c564b' title "asked to drop", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#e377c2' title "forced switch"

set terminal svg size 1200,328 dynamic font 'DejaVu Sans,11'
set output "gil-trace-new.svg"
set termoption noenhanced
set title "gil_io, new GIL, 1 CPU + 1 I/O thread: who ran when\nbuild/solutions/02-gil/gil_io --cpu-threads 1 --iterations 40 --mode new --trace docs/figures/data/gil-trace-new.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
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
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#8c564b' title "asked to drop", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#e377c2' title "forced switch"
set output

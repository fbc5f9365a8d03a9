# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# write records: x y dx dy (ms, row)
0.031856 3 0.031615 0.3
0.064453 3 0.000872 0.3
0.065996 3 0.000611 0.3
EOD
$span1 << EOD
# waits (poll): x y dx dy (ms, row)
107.079563 3 81.569771 0.14
197.429686 3 8.655835 0.14
428.103561 3 221.999294 0.14
688.816099 3 38.691392 0.14
996.831966 3 269.307383 0.14
1293.163407 3 26.956260 0.14
1645.080377 3 324.932857 0.14
2298.386148 3 328.303352 0.14
2660.329769 3 33.617234 0.14
3021.986634 3 328.021137 0.14
3430.047114 3 79.943391 0.14
3510.151064 3 0.127828 0.14
3516.160975 3 5.877135 0.14
3720.060447 3 197.911476 0.14
3918.029522 3 0.037642 0.14
EOD
$span2 << EOD
# read records: x y dx dy (ms, row)
188.676872 3 0.025734 0.3
206.089990 3 0.003136 0.3
650.106522 3 0.002344 0.3
727.510352 3 0.001478 0.3
1266.144117 3 0.003386 0.3
1320.124451 3 0.003091 0.3
1970.017367 3 0.002801 0.3
2626.692482 3 0.001768 0.3
2693.951677 3 0.003201 0.3
3350.012564 3 0.003682 0.3
3509.995633 3 0.003436 0.3
3510.279803 3 0.000771 0.3
3917.976622 3 0.003296 0.3
3918.067980 3 0.000726 0.3
EOD
$span3 << EOD
# job: x y dx dy (ms, row)
16.628002 2 0.049454 0.3
97.168332 2 80.488021 0.3
407.105390 2 229.407118 0.3
960.830000 2 298.635945 0.3
1606.520314 2 340.284102 0.3
1946.822586 2 0.000687 0.3
1946.824704 2 0.000050 0.3
2286.670694 2 339.844597 0.3
2985.451439 2 358.720900 0.3
3344.194027 2 0.000587 0.3
3625.971849 2 281.775893 0.3
116.437858 1 76.717259 0.3
218.480938 1 0.000661 0.3
472.978515 1 254.495633 0.3
727.538255 1 0.000195 0.3
1018.834576 1 291.294733 0.3
1634.718990 1 324.568901 0.3
2320.442335 1 361.136641 0.3
3083.372512 1 401.740634 0.3
3510.262911 1 0.000661 0.3
EOD
$span4 << EOD
# post results: x y dx dy (ms, row)
177.675629 2 0.018846 0.3
649.350797 2 12.837787 0.3
1262.848684 2 3.382147 0.3
1946.811219 2 0.006432 0.3
2626.621442 2 0.105701 0.3
3344.180942 2 0.008151 0.3
3912.898887 2 5.150564 0.3
3918.067760 2 0.012338 0.3
205.814887 1 12.659318 0.3
727.504716 1 0.030137 0.3
1310.137526 1 0.007785 0.3
1959.294623 1 0.006282 0.3
2681.603659 1 0.024061 0.3
3497.685313 1 12.571677 0.3
3510.277990 1 0.012955 0.3
EOD
$instant0 << EOD
# start: x y (ms, row)
0.000000 3.38
EOD
$instant1 << EOD
# pill: x y (ms, row)
3918.055030 2.48
3510.264855 1.48
EOD
$instant2 << EOD
# sentinel: x y (ms, row)
3918.055181 2.58
3510.264975 1.5799999999999998
EOD

set terminal pngcairo size 1200,374 font 'DejaVu Sans,10'
set output "trace-procs-input.png"
set termoption noenhanced
set title "procs: who ran when\n./procs --trace procs-input.json 2\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:3918.080098]
set yrange [0.4:3.85]
set ytics ("procs: parent" 3, "worker" 2, "worker" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "write records", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#e377c2' title "waits (poll)", \
     $span2 using 1:2:3:4 with boxxyerror lc rgb '#17becf' title "read records", \
     $span3 using 1:2:3:4 with boxxyerror lc rgb '#bcbd22' title "job", \
     $span4 using 1:2:3:4 with boxxyerror lc rgb '#7f7f7f' title "post results", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#aec7e8' title "start", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#ffbb78' title "pill", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#8c564b' title "sentinel"

set terminal svg size 1200,374 dynamic font 'DejaVu Sans,11'
set output "trace-procs-input.svg"
set termoption noenhanced
set title "procs: who ran when\n./procs --trace procs-input.json 2\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:3918.080098]
set yrange [0.4:3.85]
set ytics ("procs: parent" 3, "worker" 2, "worker" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "write records", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#e377c2' title "waits (poll)", \
     $span2 using 1:2:3:4 with boxxyerror lc rgb '#17becf' title "read records", \
     $span3 using 1:2:3:4 with boxxyerror lc rgb '#bcbd22' title "job", \
     $span4 using 1:2:3:4 with boxxyerror lc rgb '#7f7f7f' title "post results", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#aec7e8' title "start", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#ffbb78' title "pill", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#8c564b' title "sentinel"
set output

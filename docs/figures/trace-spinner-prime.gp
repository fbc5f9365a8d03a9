# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# supervisor: x y dx dy (ms, row)
1291.158907 1 1291.144940 0.3
2582.493528 1 0.000041 0.3
EOD
$instant0 << EOD
# new task: x y (ms, row)
0.000000 2.38
0.124517 2.38
EOD
$instant1 << EOD
# ready: x y (ms, row)
0.000281 2.48
0.124617 2.48
EOD
$instant2 << EOD
# done: x y (ms, row)
2582.311532 2.58
2582.495922 2.58
EOD
$instant3 << EOD
# joined: x y (ms, row)
2582.311672 2.38
EOD
$instant4 << EOD
# cancel: x y (ms, row)
2582.303466 1.48
EOD
$instant5 << EOD
# join: x y (ms, row)
2582.303987 1.5799999999999998
EOD

set terminal pngcairo size 1200,328 font 'DejaVu Sans,10'
set output "trace-spinner-prime.png"
set termoption noenhanced
set title "spinner_uring: who ran when\nbuild/solutions/01-spinner/spinner_uring --slow=prime --prime 288230376151711813 --trace spinner-prime.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:2582.495922]
set yrange [0.4:2.85]
set ytics ("loop" 2, "task supervisor" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "supervisor", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#e377c2' title "new task", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#17becf' title "ready", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#bcbd22' title "done", \
     $instant3 using 1:2 with points pt 5 ps 0.8 lc rgb '#7f7f7f' title "joined", \
     $instant4 using 1:2 with points pt 9 ps 0.8 lc rgb '#aec7e8' title "cancel", \
     $instant5 using 1:2 with points pt 13 ps 0.8 lc rgb '#ffbb78' title "join"

set terminal svg size 1200,328 dynamic font 'DejaVu Sans,11'
set output "trace-spinner-prime.svg"
set termoption noenhanced
set title "spinner_uring: who ran when\nbuild/solutions/01-spinner/spinner_uring --slow=prime --prime 288230376151711813 --trace spinner-prime.json\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:2582.495922]
set yrange [0.4:2.85]
set ytics ("loop" 2, "task supervisor" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "supervisor", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#e377c2' title "new task", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#17becf' title "ready", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#bcbd22' title "done", \
     $instant3 using 1:2 with points pt 5 ps 0.8 lc rgb '#7f7f7f' title "joined", \
     $instant4 using 1:2 with points pt 9 ps 0.8 lc rgb '#aec7e8' title "cancel", \
     $instant5 using 1:2 with points pt 13 ps 0.8 lc rgb '#ffbb78' title "join"
set output

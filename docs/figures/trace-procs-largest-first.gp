# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# write records: x y dx dy (ms, row)
0.004859 3 0.004409 0.3
0.010614 3 0.001157 0.3
0.012549 3 0.000696 0.3
EOD
$span1 << EOD
# waits (poll): x y dx dy (ms, row)
465.960501 3 439.166510 0.14
908.190855 3 2.874974 0.14
1280.114055 3 369.028761 0.14
1672.194781 3 22.997471 0.14
2018.345077 3 323.121776 0.14
2383.446754 3 41.943132 0.14
2700.294666 3 274.844926 0.14
3000.370126 3 25.209554 0.14
3265.221871 3 239.606712 0.14
3567.459126 3 62.607419 0.14
3703.532425 3 73.432687 0.14
3822.947401 3 45.934428 0.14
3869.015175 3 0.108741 0.14
3879.004079 3 9.870985 0.14
3952.932704 3 63.879541 0.14
EOD
$span2 << EOD
# read records: x y dx dy (ms, row)
905.189171 3 0.060905 0.3
911.070177 3 0.002765 0.3
1649.153006 3 0.008897 0.3
1695.197202 3 0.002996 0.3
2341.471681 3 0.003297 0.3
2425.394189 3 0.003040 0.3
2975.143439 3 0.002475 0.3
3025.584135 3 0.002379 0.3
3504.833227 3 0.002790 0.3
3630.070081 3 0.002084 0.3
3776.970312 3 0.003306 0.3
3868.888145 3 0.004725 0.3
3869.125099 3 0.000941 0.3
4016.888251 3 0.002305 0.3
EOD
$span3 << EOD
# job: x y dx dy (ms, row)
454.820565 2 451.494505 0.3
1290.685291 2 379.565310 0.3
1996.846348 2 326.566883 0.3
2657.996730 2 316.458502 0.3
3302.990645 2 326.999234 0.3
3696.467684 2 66.343640 0.3
3816.182428 2 39.075828 0.3
3869.030395 2 0.000396 0.3
3869.032899 2 0.000425 0.3
3869.034768 2 0.000070 0.3
3869.036471 2 0.000160 0.3
3869.038079 2 0.000075 0.3
3869.068207 2 0.000155 0.3
3869.069915 2 0.000150 0.3
474.183925 1 427.011034 0.3
1266.621283 1 365.329169 0.3
2020.168321 1 388.175859 0.3
2714.226057 1 305.838825 0.3
3257.761623 1 237.656065 0.3
3754.798880 1 259.361134 0.3
EOD
$span4 << EOD
# post results: x y dx dy (ms, row)
908.714996 2 2.399586 0.3
1670.262940 2 0.011988 0.3
2332.472859 2 9.059297 0.3
2975.220210 2 0.764568 0.3
3630.055303 2 0.065094 0.3
3769.956271 2 7.144558 0.3
3862.141161 2 6.882576 0.3
3869.119263 2 0.047525 0.3
901.242023 1 0.046673 0.3
1631.969785 1 0.018931 0.3
2408.364008 1 0.019507 0.3
3020.083752 1 0.018390 0.3
3495.426053 1 0.007935 0.3
4014.169323 1 0.008616 0.3
4014.183174 1 0.000837 0.3
EOD
$instant0 << EOD
# start: x y (ms, row)
0.000000 3.38
EOD
$instant1 << EOD
# pill: x y (ms, row)
3869.071508 2.48
4014.182157 1.48
EOD
$instant2 << EOD
# sentinel: x y (ms, row)
3869.071658 2.58
4014.182277 1.5799999999999998
EOD

set terminal pngcairo size 1200,374 font 'DejaVu Sans,10'
set output "trace-procs-largest-first.png"
set termoption noenhanced
set title "procs: who ran when\n./procs --largest-first --trace procs-largest-first.json 2\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:4016.890555]
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
set output "trace-procs-largest-first.svg"
set termoption noenhanced
set title "procs: who ran when\n./procs --largest-first --trace procs-largest-first.json 2\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [0.000000:4016.890555]
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

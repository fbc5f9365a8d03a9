# Written by scripts/plot-trace; edit and run: gnuplot thisfile.gp

$span0 << EOD
# supervisor: x y dx dy (ms, row)
1000.083798 2 0.083798 0.3
1007.242335 2 7.070102 0.3
1015.365487 2 1.005230 0.3
1023.435430 2 7.059732 0.3
1031.547161 2 0.990172 0.3
1044.906324 2 12.343013 0.3
1058.254322 2 0.991810 0.3
1064.986461 2 5.735310 0.3
1071.723570 2 0.989465 0.3
1077.774911 2 5.057056 0.3
1083.831841 2 0.987612 0.3
1095.182273 2 10.358200 0.3
1106.544330 2 0.990582 0.3
1116.665266 2 9.125694 0.3
1126.795713 2 0.992662 0.3
1136.944431 2 9.131540 0.3
1147.081882 2 0.993408 0.3
1157.416371 2 9.336424 0.3
1167.770064 2 1.004364 0.3
1175.963085 2 7.182885 0.3
1192.213693 2 9.054598 0.3
1202.294733 2 1.014148 0.3
1208.459223 2 5.074278 0.3
1214.546617 2 1.000982 0.3
1222.625631 2 7.073403 0.3
1230.703778 2 0.991650 0.3
1240.806057 2 9.083929 0.3
1250.893373 2 0.989781 0.3
1257.071329 2 5.183406 0.3
1263.408463 2 1.139570 0.3
1273.721487 2 9.168725 0.3
1283.905627 2 1.001929 0.3
1292.456117 2 7.543882 0.3
EOD
$span1 << EOD
# spin: x y dx dy (ms, row)
1032.546585 1 0.003381 0.3
1127.797342 1 0.002896 0.3
1231.705507 1 0.003787 0.3
EOD
$instant0 << EOD
# new task: x y (ms, row)
EOD
$instant1 << EOD
# ready: x y (ms, row)
EOD
$instant2 << EOD
# yield: x y (ms, row)
1000.167724 3.58
1014.314250 3.58
1016.370998 3.58
1030.545247 3.58
1032.537462 3.58
1057.251250 3.58
1059.246392 3.58
1070.723705 3.58
1072.713186 3.58
1082.834090 3.58
1084.819594 3.58
1105.542637 3.58
1107.535064 3.58
1125.792963 3.58
1127.788525 3.58
1146.078003 3.58
1148.075439 3.58
1166.754489 3.58
1168.774809 3.58
1183.147994 3.58
1201.270306 3.58
1203.380405 3.58
1213.535195 3.58
1215.547749 3.58
1229.700757 3.58
1231.695558 3.58
1249.892380 3.58
1251.883364 3.58
1262.256818 3.58
1264.548184 3.58
1282.892316 3.58
1284.907686 3.58
EOD
$instant3 << EOD
# submission: x y (ms, row)
1032.550197 3.38
1127.800478 3.38
1231.709535 3.38
EOD
$instant4 << EOD
# completion: x y (ms, row)
1030.554554 3.48
1125.800827 3.48
1229.709554 3.48
EOD
$instant5 << EOD
# done: x y (ms, row)
EOD
$instant6 << EOD
# joined: x y (ms, row)
EOD
$instant7 << EOD
# nap: x y (ms, row)
1000.167655 2.48
1014.313138 2.48
1016.370808 2.48
1030.496133 2.48
1032.537393 2.48
1057.250058 2.48
1059.246202 2.48
1070.722492 2.48
1072.713106 2.48
1082.832747 2.48
1084.819514 2.48
1105.541184 2.48
1107.534984 2.48
1125.791720 2.48
1127.788445 2.48
1146.076781 2.48
1148.075359 2.48
1166.753477 2.48
1168.774618 2.48
1183.146722 2.48
1201.269213 2.48
1203.308949 2.48
1213.534182 2.48
1215.547669 2.48
1229.699755 2.48
1231.695488 2.48
1249.890857 2.48
1251.883214 2.48
1262.255426 2.48
1264.548103 2.48
1282.890883 2.48
1284.907616 2.48
EOD
$instant8 << EOD
# cancel: x y (ms, row)
EOD
$instant9 << EOD
# join: x y (ms, row)
EOD
$instant10 << EOD
# frame: x y (ms, row)
1032.549746 1.48
1127.800027 1.48
1231.709083 1.48
EOD
$instant11 << EOD
# clear: x y (ms, row)
EOD

set terminal pngcairo size 1200,410 font 'DejaVu Sans,10'
set output "trace-spinner-nap-zoom.png"
set termoption noenhanced
set title "spinner_uring: who ran when\nbuild/solutions/01-spinner/spinner_uring --slow=prime --prime 288230376151711813 --nap --nap-every 1000000 ...\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [1000.000000:1300.000000]
set yrange [0.4:3.85]
set ytics ("loop" 3, "task supervisor" 2, "task spin" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "supervisor", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#e377c2' title "spin", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#17becf' title "new task", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#bcbd22' title "ready", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#7f7f7f' title "yield", \
     $instant3 using 1:2 with points pt 5 ps 0.8 lc rgb '#aec7e8' title "submission", \
     $instant4 using 1:2 with points pt 9 ps 0.8 lc rgb '#ffbb78' title "completion", \
     $instant5 using 1:2 with points pt 13 ps 0.8 lc rgb '#8c564b' title "done", \
     $instant6 using 1:2 with points pt 1 ps 0.8 lc rgb '#e377c2' title "joined", \
     $instant7 using 1:2 with points pt 3 ps 0.8 lc rgb '#17becf' title "nap", \
     $instant8 using 1:2 with points pt 11 ps 0.8 lc rgb '#bcbd22' title "cancel", \
     $instant9 using 1:2 with points pt 7 ps 0.8 lc rgb '#7f7f7f' title "join", \
     $instant10 using 1:2 with points pt 2 ps 0.8 lc rgb '#aec7e8' title "frame", \
     $instant11 using 1:2 with points pt 5 ps 0.8 lc rgb '#ffbb78' title "clear"

set terminal svg size 1200,410 dynamic font 'DejaVu Sans,11'
set output "trace-spinner-nap-zoom.svg"
set termoption noenhanced
set title "spinner_uring: who ran when\nbuild/solutions/01-spinner/spinner_uring --slow=prime --prime 288230376151711813 --nap --nap-every 1000000 ...\nAMD EPYC, 2 online CPUs, Linux 6.18.44-fc-v1045 x86_64" font ',11'
set grid xtics lc rgb '#dddddd'
set border lc rgb '#555555'
set xrange [1000.000000:1300.000000]
set yrange [0.4:3.85]
set ytics ("loop" 3, "task supervisor" 2, "task spin" 1) scale 0
set xlabel 'time since the trace started (ms)'
set key below horizontal Left reverse samplen 2 spacing 1.1 width 1
set style fill solid 1.0 noborder
plot $span0 using 1:2:3:4 with boxxyerror lc rgb '#8c564b' title "supervisor", \
     $span1 using 1:2:3:4 with boxxyerror lc rgb '#e377c2' title "spin", \
     $instant0 using 1:2 with points pt 11 ps 0.8 lc rgb '#17becf' title "new task", \
     $instant1 using 1:2 with points pt 7 ps 0.8 lc rgb '#bcbd22' title "ready", \
     $instant2 using 1:2 with points pt 2 ps 0.8 lc rgb '#7f7f7f' title "yield", \
     $instant3 using 1:2 with points pt 5 ps 0.8 lc rgb '#aec7e8' title "submission", \
     $instant4 using 1:2 with points pt 9 ps 0.8 lc rgb '#ffbb78' title "completion", \
     $instant5 using 1:2 with points pt 13 ps 0.8 lc rgb '#8c564b' title "done", \
     $instant6 using 1:2 with points pt 1 ps 0.8 lc rgb '#e377c2' title "joined", \
     $instant7 using 1:2 with points pt 3 ps 0.8 lc rgb '#17becf' title "nap", \
     $instant8 using 1:2 with points pt 11 ps 0.8 lc rgb '#bcbd22' title "cancel", \
     $instant9 using 1:2 with points pt 7 ps 0.8 lc rgb '#7f7f7f' title "join", \
     $instant10 using 1:2 with points pt 2 ps 0.8 lc rgb '#aec7e8' title "frame", \
     $instant11 using 1:2 with points pt 5 ps 0.8 lc rgb '#ffbb78' title "clear"
set output

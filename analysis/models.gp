# N models: where each policy sends its queries and what that costs.  Data:
# models.dat, one row per policy: label, then each model's share of the
# decided queries (nmodels columns, the models in tier order: model[i]),
# then the cost per 1,000 queries; all means over replications.
set title sprintf("Share of queries per model, and cost, per policy\n%s", subtitle)
set ylabel "share of decided queries"
set y2label "cost per 1,000 queries"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set border 11
set xtics rotate by 30 right nomirror font ",9"
set y2tics
unset grid
set grid ytics back lc rgb "#e0e0e0"
set yrange [0:1]
set y2range [0:*]
plot for [i = 1:nmodels] "models.dat" using (column(i + 1)):xtic(1) title model[i] lc i dt 1, \
     "" using 0:(column(nmodels + 2)) axes x1y2 with points title "cost per 1,000 queries (right axis)" \
        lc rgb "#000000" pt 7 ps 1.6

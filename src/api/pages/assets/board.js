// The SLA board's trend chart (Apache ECharts), drawn from the figures the page carries as JSON.
(function () {
  var element = document.getElementById('trend');
  var source = document.getElementById('trend-data');
  if (!element || !source || typeof echarts === 'undefined') return;
  var data = JSON.parse(source.textContent);
  var keys = ['metOnTime', 'metLate', 'breached', 'open', 'failed'];
  var colours = { metOnTime: '#1a7f37', metLate: '#bf8700', breached: '#cf222e', open: '#0969da', failed: '#6e7781' };
  var chart = echarts.init(element);
  chart.setOption({
    tooltip: { trigger: 'axis' },
    legend: { data: keys.map(function (key) { return data.labels[key]; }) },
    xAxis: { type: 'category', data: data.days.map(function (day) { return day.day; }) },
    yAxis: { type: 'value', minInterval: 1 },
    series: keys.map(function (key) {
      return { name: data.labels[key], type: 'bar', stack: 'stages', itemStyle: { color: colours[key] }, data: data.days.map(function (day) { return day[key]; }) };
    }),
  });
  window.addEventListener('resize', function () { chart.resize(); });
  element.setAttribute('data-rendered', 'true');
})();

"""The sample browser's inline script (plain JavaScript over the embedded JSON)."""

SCRIPT = r"""
(function(){
  var D=JSON.parse(document.getElementById('sb-data').textContent);
  var n=D.samples.length,F=D.shape.reduce(function(a,b){return a*b;},1);
  function bytes(b){var s=atob(b),u=new Uint8Array(s.length);
    for(var i=0;i<s.length;i++){u[i]=s.charCodeAt(i);}return u.buffer;}
  var V={},T={};
  D.methods.forEach(function(m){
    if(D.dense){V[m]=new Float32Array(bytes(D.values[m]));}
    else{T[m]={i:new Int32Array(bytes(D.top[m].index)),
      v:new Float32Array(bytes(D.top[m].value))};}
  });
  var K=D.dense?0:T[D.methods[0]].i.length/n;
  var CA=null,C=0;
  if(D.carriers){CA={d:new Int8Array(bytes(D.carriers.dosage)),v:{}};C=D.carriers.snps.length;
    D.methods.forEach(function(m){CA.v[m]=new Float32Array(bytes(D.carrier_values[m]));});}
  function esc(t){return String(t).replace(/&/g,'&amp;').replace(/</g,'&lt;')
    .replace(/>/g,'&gt;').replace(/"/g,'&quot;');}
  function carrierTable(i,s,M){ // the sample's genotype at the top SNPs, attribution beside
    var h=['<table id="sb-carriers"><caption>'+esc(s.id)+': genotype at the '+C+
      ' strongest SNPs of '+esc(M[0])+' (alt-allele copies; shaded: carrier)</caption>'+
      '<thead><tr><th>SNP</th><th>locus</th><th>genotype</th>'+
      M.map(function(m){return '<th>'+esc(m)+'</th>';}).join('')+'</tr></thead><tbody>'];
    for(var c=0;c<C;c++){var g=CA.d[i*C+c];
      h.push('<tr'+(g>0?' class="carrier"':'')+'><td>'+esc(D.carriers.snps[c])+'</td><td>'+
        esc(D.carriers.loci[c])+'</td><td class="num">'+(g<0?'missing':g)+'</td>'+
        M.map(function(m){var v=CA.v[m][i*C+c];
          return '<td class="num">'+(isNaN(v)?'–':v.toPrecision(3))+'</td>';}).join('')+'</tr>');}
    return h.join('')+'</tbody></table>';
  }
  var $=function(id){return document.getElementById(id);};
  var list=$('sb-list'),search=$('sb-search'),cls=$('sb-class');
  var out=$('sb-outcome'),conf=$('sb-conf');
  function cname(c){return c>=0&&c<D.classes.length?D.classes[c]:(c<0?'?':String(c));}
  function row(m,i){return V[m].subarray(i*F,(i+1)*F);}
  function keep(s){
    var q=search.value.trim().toLowerCase();
    if(q&&s.id.toLowerCase().indexOf(q)<0){return false;}
    if(cls.value!==''&&String(s.y>=0?s.y:s.t)!==cls.value){return false;}
    if(out.value!==''){if(s.p<0){return false;}if(String(+(s.p===s.y))!==out.value){return false;}}
    if(+conf.value>0&&(s.c===null||s.c<+conf.value)){return false;}
    return true;
  }
  function fill(){
    $('sb-conf-v').textContent=(+conf.value).toFixed(2);
    var html=[],shown=0;
    D.samples.forEach(function(s,i){
      if(!keep(s)){return;}
      shown++;
      var lab=s.id+' · '+(s.p>=0?cname(s.y)+' → '+cname(s.p)+' ('+s.c.toFixed(2)+')'
        :'explained '+cname(s.t));
      html.push('<option value="'+i+'">'+lab.replace(/</g,'&lt;')+'</option>');
    });
    list.innerHTML=html.join('');
    $('sb-count').textContent=shown+' of '+n+' samples match';
  }
  function shade(i){
    if(!D.truth){return [];}
    return D.truth[i].map(function(p){return {type:'rect',xref:'x',yref:'paper',x0:p-0.5,
      x1:p+0.5,y0:0,y1:1,fillcolor:'#888',opacity:0.18,line:{width:0}};});
  }
  function draw(i){
    var s=D.samples[i],M=D.methods,k=M.length,traces=[],layout={height:110+130*k,
      margin:{l:60,r:20,t:20,b:40},showlegend:false,template:'plotly_white',font:{size:11}};
    var head=s.id+': ';
    head+=s.p>=0?('true '+cname(s.y)+', predicted '+cname(s.p)+' with probability '+
      s.c.toFixed(3)+(s.p===s.y?' (correct)':' (wrong)')):('explained class '+cname(s.t));
    head+='; attribution of class '+cname(s.t)+'.';
    $('sb-head').textContent=head;
    $('sb-seq').textContent='';$('sb-extra').textContent='';
    if(D.kind==='grid'){
      var tl=D.shape[0],vl=D.shape[1];
      M.forEach(function(m,j){
        var z=[],r=row(m,i);for(var t=0;t<tl;t++){z.push(Array.from(r.subarray(t*vl,(t+1)*vl)));}
        var ax=j?String(j+1):'';
        traces.push({type:'heatmap',z:z,zmid:0,
          colorscale:[[0,'#1f4e79'],[0.5,'#f7f7f7'],[1,'#c0392b']],
          showscale:j===k-1,xaxis:'x'+ax,yaxis:'y'+ax,name:m,
          hovertemplate:'time %{y}, variable %{x}<br>%{z:.3g}<extra>'+m+'</extra>'});
        layout['xaxis'+ax]={domain:[j/k+0.01,(j+1)/k-0.01],title:{text:m+' (variable)'},
          tickmode:'array',tickvals:D.labels.map(function(_,q){return q;}),
          ticktext:D.labels};
        layout['yaxis'+ax]={anchor:'x'+ax,title:{text:j?'':'time step'},autorange:'reversed'};
      });
      layout.height=420;
    }else{
      var labels=null,seq=D.tokens?D.tokens[i]:null;
      M.forEach(function(m,j){
        var x=[],y=[];
        if(D.dense){
          var r=row(m,i);
          if(D.kind==='sequence'||F<=60){for(var p=0;p<F;p++){x.push(p);y.push(r[p]);}}
          else{ // tabular: the 30 strongest features of the first method, same for all
            if(!labels){var r0=row(M[0],i),ix=[];for(var q=0;q<F;q++){ix.push(q);}
              ix.sort(function(a,b){return Math.abs(r0[b]||0)-Math.abs(r0[a]||0);});
              labels=ix.slice(0,30);}
            labels.forEach(function(q){x.push(D.labels[q]);y.push(r[q]);});
          }
        }else{
          for(var t=0;t<K;t++){var q2=T[m].i[i*K+t];
            x.push(D.labels[q2]+(D.loci?' '+D.loci[q2]:''));y.push(T[m].v[i*K+t]);}
        }
        var ax=j?String(j+1):'';
        traces.push({type:'bar',x:x,y:y,name:m,xaxis:'x'+ax,yaxis:'y'+ax,
          text:seq&&D.kind==='sequence'?seq.split(''):null,
          marker:{color:y.map(function(v){return v>=0?'#c0392b':'#1f4e79';})},
          hovertemplate:'%{x} %{text}<br>%{y:.3g}<extra>'+m+'</extra>',textposition:'none'});
        var h=1/k;
        layout['yaxis'+ax]={domain:[1-(j+1)*h+0.04,1-j*h],title:{text:m,font:{size:10}}};
        layout['xaxis'+ax]={anchor:'y'+ax,matches:D.dense&&j?'x':undefined,
          showticklabels:!D.dense||j===k-1||D.kind!=='sequence'};
      });
      if(D.kind==='sequence'&&seq&&F<=80){
        var last='xaxis'+(k>1?String(k):'');
        layout[last].tickmode='array';
        layout[last].tickvals=seq.split('').map(function(_,p){return p;});
        layout[last].ticktext=seq.split('');layout[last].tickfont={family:'monospace',size:9};
      }
      if(D.kind==='sequence'){layout.shapes=shade(i);}
      if(seq){var r1=row(M[0],i),mx=0;for(var a=0;a<F;a++){mx=Math.max(mx,Math.abs(r1[a]||0));}
        var spans=seq.split('').map(function(b,p){var v=(r1[p]||0)/(mx||1);
          var c=v>=0?'192,57,43':'31,78,121';
          return '<span title="'+p+': '+(r1[p]||0).toPrecision(3)+'" style="background:rgba('+c+','+
            Math.abs(v).toFixed(2)+')">'+b+'</span>';});
        $('sb-seq').innerHTML='<b>'+M[0]+'</b> on the sequence: '+spans.join('');}
    }
    if(CA){$('sb-extra').innerHTML=carrierTable(i,s,M);}
    Plotly.react('sb-plot',traces,layout,{displaylogo:false,responsive:true});
    document.body.setAttribute('data-sb-shown',s.id);
  }
  [search,cls,out,conf].forEach(function(el){el.addEventListener('input',fill);});
  list.addEventListener('change',function(){draw(+list.value);});
  search.addEventListener('keydown',function(e){
    if(e.key==='Enter'&&list.options.length){list.selectedIndex=0;draw(+list.options[0].value);}
  });
  fill();
  if(list.options.length){list.selectedIndex=0;draw(+list.options[0].value);}
})();
"""

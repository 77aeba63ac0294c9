# Independent check of rnn-eval's span F1: conlleval's IOB2 chunking, written here from its definition.
# Usage: python3 scripts/atis_check.py BIN/rnn-predict CHECKPOINT DEV.conll
# Feeds the dev sentences to rnn-predict --json and scores its tags and intents here, so a bug in
# rnn-eval's scorer (SpanMetrics) and in the tool would have to agree to go unnoticed.
import json, subprocess, sys
predict, ckpt, dev = sys.argv[1:4]
sents=[]; cur=[]; intent=None
for line in open(dev):
    line=line.rstrip('\n')
    if line.startswith('# intent'): intent=line.split('=',1)[1].strip(); continue
    if not line.strip():
        if cur: sents.append((intent,cur)); cur=[]
        continue
    tok,tag=line.split('\t'); cur.append((tok,tag))
if cur: sents.append((intent,cur))
inp='\n'.join(' '.join(t for t,_ in s) for _,s in sents)+'\n'
out=subprocess.run([predict, ckpt, '--json'],input=inp,capture_output=True,text=True).stdout.splitlines()
def chunks(tags):
    res=set(); start=None; typ=None
    for i,t in enumerate(tags+['O']):
        pre,ty=(t[0],t[2:]) if t!='O' else ('O','')
        if start is not None and (pre in 'BO' or ty!=typ): res.add((start,i,typ)); start=None
        if pre=='B' or (pre=='I' and start is None): start,typ=i,ty
    return res
nc=npred=ngold=0; ic=0; sc=0
for (intent,s),o in zip(sents,out):
    o=json.loads(o); gold=[t for _,t in s]; pred=o['tags']
    G=chunks(gold); P=chunks(pred); nc+=len(G&P); npred+=len(P); ngold+=len(G)
    ic+= o.get('intent')==intent; sc+= (o.get('intent')==intent and gold==pred)
pr=nc/npred; rc=nc/ngold
print('%d sentences: P %.4f R %.4f F1 %.4f (gold %d, predicted %d, correct %d) intent %.4f sentence %.4f'%(len(out),pr,rc,2*pr*rc/(pr+rc),ngold,npred,nc,ic/len(sents),sc/len(sents)))

/** Words that never make a topic title or a question keyword (English and Russian, lower case). */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  `a about above after again against all also am an and any are aren't as at be because been before being below between both
  but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each even ever every few for from
  further get gets getting go goes going gonna got had hadn't has hasn't have haven't having he he'd he'll he's her here here's
  hers herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just know let let's like
  lot lots make many may maybe me might more most much must mustn't my myself need no nor not now of off ok okay on once one
  only or other ought our ours ourselves out over own really right said same say says see seem shall shan't she she'd she'll
  she's should shouldn't so some something still such sure take than that that's the their theirs them themselves then there
  there's these they they'd they'll they're they've thing things think this those though through thus to today too two under
  until up upon us use used uh um very want was wasn't way we we'd we'll we're we've well were weren't what what's when when's
  where where's whether which while who who's whom why why's will with won't would wouldn't yeah yes yet you you'd you'll
  you're you've your yours yourself yourselves talk talking talked look looking kind little mean actually basically
  first next start started alright guys lecture lectures today's
  а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да даже для до его ее если есть еще же за
  здесь и из или им их к как ко когда кто ли либо мне может мы на надо наш не него нее нет ни них но ну о об однако он она они
  оно от очень по под при с со так также такой там те тем то того тоже той только том ты у уже хотя чего чей чем что чтобы чье
  чья эта эти это этот я вообще давайте значит можно нужно просто сейчас будет будем потом тут`
    .split(/\s+/)
    .filter(Boolean),
);

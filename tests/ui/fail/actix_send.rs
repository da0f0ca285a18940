// The `send` trap: in actix, `addr.send(m).await` waits for the handler. Ported as is, it
// still does here (it is `ask`), but the spelling is deprecated with a note saying so; a crate
// that denies warnings (as CI does) must write `ask`.
#![deny(deprecated)]

use actor_system::prelude::*;

struct Chain;
impl Actor for Chain {}

#[derive(Message)]
#[rtype(result = "()")]
struct ImportBlock;

impl Handler<ImportBlock> for Chain {
    async fn handle(&mut self, _: ImportBlock, _: &mut Context<Self>) {}
}

async fn ported_from_actix(chain: Addr<Chain>) -> Result<(), AskError> {
    chain.send(ImportBlock).await
}

fn main() {
    let _ = ported_from_actix;
}

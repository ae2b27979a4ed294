//! Typed names: `register` and `lookup` on [`ActorSystem`], over the
//! system's registry of endpoints.

use crate::actor::Actor;
use crate::address::ActorRef;
use crate::cell::short_type_name;
use crate::endpoint::Endpoint;
use crate::registry::{LookupError, RegisterError};
use crate::system::ActorSystem;

impl ActorSystem {
    /// Registers `actor` under `name` in this system's registry, until the
    /// actor stops or [`unregister`](Self::unregister) is called.
    ///
    /// Registering an actor again under the name it already holds does
    /// nothing and succeeds; an actor may hold several names.
    ///
    /// # Errors
    /// [`RegisterError::NameTaken`] if another live actor has the name;
    /// [`RegisterError::Stopped`] if `actor` has already stopped;
    /// [`RegisterError::EmptyName`] for `""`.
    pub fn register<A: Actor>(
        &self,
        name: impl Into<String>,
        actor: &ActorRef<A>,
    ) -> Result<(), RegisterError> {
        let endpoint = actor.endpoint();
        match actor.local() {
            Some(cell) => self.registry().register(name.into(), endpoint, || cell.mark_registered()),
            None => {
                let alive = endpoint.clone();
                self.registry().register(name.into(), endpoint, move || alive.is_alive())
            }
        }
    }

    /// Registers any [`Endpoint`](crate::dev::Endpoint) under `name`: an
    /// actor of another crate (a remote proxy) becomes findable by
    /// [`lookup`](Self::lookup) like a local one. Its name is dropped once
    /// the endpoint reports it is no longer alive.
    ///
    /// # Errors
    /// As [`register`](Self::register).
    pub fn register_endpoint(
        &self,
        name: impl Into<String>,
        endpoint: std::sync::Arc<dyn Endpoint>,
    ) -> Result<(), RegisterError> {
        let alive = endpoint.clone();
        self.registry().register(name.into(), endpoint, move || alive.is_alive())
    }

    /// The actor registered under `name`, typed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use actor_core::prelude::*;
    /// struct Db;
    /// impl Actor for Db {}
    /// struct Cache;
    /// impl Actor for Cache {}
    /// let system = ActorSystem::new();
    /// let db = system.spawn(Db);
    /// system.register("db", &db)?;
    /// assert_eq!(system.lookup::<Db>("db")?, db);
    /// assert!(matches!(system.lookup::<Cache>("db"), Err(LookupError::WrongType { .. })));
    /// assert!(system.register("db", &system.spawn(Db)).is_err());   // name taken
    /// # system.shutdown().await;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`LookupError::NotFound`] if no live actor has the name;
    /// [`LookupError::WrongType`] if it is not an `A`.
    pub fn lookup<A: Actor>(&self, name: &str) -> Result<ActorRef<A>, LookupError> {
        let found = self.registry().lookup(name)?;
        if found.actor_type() != std::any::type_name::<A>() {
            return Err(LookupError::WrongType {
                name: name.to_owned(),
                expected: short_type_name(std::any::type_name::<A>()),
                found: short_type_name(found.actor_type()),
            });
        }
        Ok(ActorRef::from_endpoint(found))
    }

    /// Removes `name` from the registry; true if it was there.
    pub fn unregister(&self, name: &str) -> bool {
        self.registry().unregister(name)
    }
}

//! Owns the `bevy_ecs` World: the long-lived entities of a run or a model (platforms,
//! authorities, protocols and their members, content variants) and the components the
//! reports query (the situation report, protocol descriptions, and what comes).
//!
//! The event loop does not go through the World. In `bevy_ecs` 0.20 each access to an
//! entity's component or a resource is an entity look-up, and those cost about a tenth of
//! the run time when every event made them (README, "Performance", items 2 and 7); so each
//! mechanism keeps its hot state in plain vectors indexed like the entities, and the
//! World's status components are refreshed from them when someone looks (a pause of an
//! exercise, the end of a run), a pass over a few hundred entities.

use std::sync::Arc;

use bevy_ecs::component::Component;
use bevy_ecs::entity::Entity;
use bevy_ecs::query::{Or, With};
use bevy_ecs::world::World;

use crate::scenario::{Jurisdiction, Model};

/// A platform: a node of the graph copies spread over.
#[derive(Component, Debug, Clone)]
pub struct Platform {
    /// Its index in the model (and in every mechanism's per-platform state).
    pub index: u32,
    pub id: Arc<str>,
    pub jurisdiction: Jurisdiction,
}

/// A platform that takes part in the crisis protocol (`protocol_member: true`).
#[derive(Component, Debug, Clone, Copy)]
pub struct ProtocolMember;

/// A platform that is a member of the shared hash database.
#[derive(Component, Debug, Clone, Copy)]
pub struct HashSharingMember;

/// An authority (referral unit, law enforcement).
#[derive(Component, Debug, Clone)]
pub struct Authority {
    pub index: u32,
    pub id: Arc<str>,
    /// The platforms it monitors.
    pub monitors: Vec<Entity>,
}

/// A crisis protocol of the model and the platforms it reaches.
#[derive(Component, Debug, Clone)]
pub struct CrisisProtocol {
    pub index: u32,
    pub id: Arc<str>,
    /// Its member platforms, in platform order.
    pub members: Vec<Entity>,
}

/// A protocol the run's variant puts in force (each one it lists).
#[derive(Component, Debug, Clone, Copy)]
pub struct InForce;

/// A visually distinct variant of a content item: what a hash matches.
#[derive(Component, Debug, Clone)]
pub struct ContentVariant {
    /// Its global index (order of making, over all content items).
    pub index: u32,
    pub content: u32,
    /// Number within its content item (0 is the original).
    pub number: u32,
}

/// Where a variant stands with the hash lists (refreshed when looked at).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VariantListing {
    /// How many platforms' lists hold it.
    pub lists: usize,
    /// Submitted to the shared database.
    pub submitted: bool,
}

/// The entities of the World's long-lived things, by model index.
#[derive(Debug, Default, Clone)]
pub struct Entities {
    pub platforms: Vec<Entity>,
    pub authorities: Vec<Entity>,
    pub protocols: Vec<Entity>,
    pub variants: Vec<Entity>,
}

impl Entities {
    /// Spawn a model's platforms, authorities and protocols, each with its own members
    /// (`in_force`: the protocols the variant runs, marked [`InForce`]).
    pub fn spawn(world: &mut World, model: &Model, in_force: &[usize]) -> Self {
        let platforms: Vec<Entity> = model
            .platforms
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut e = world.spawn(Platform {
                    index: i as u32,
                    id: Arc::from(p.id.as_str()),
                    jurisdiction: p.jurisdiction,
                });
                if p.protocol_member {
                    e.insert(ProtocolMember);
                }
                if p.hash_sharing_member {
                    e.insert(HashSharingMember);
                }
                e.id()
            })
            .collect();
        let authorities = model
            .authorities
            .iter()
            .enumerate()
            .map(|(i, a)| {
                world
                    .spawn(Authority {
                        index: i as u32,
                        id: Arc::from(a.id.as_str()),
                        monitors: a.monitors.iter().map(|&p| platforms[p]).collect(),
                    })
                    .id()
            })
            .collect();
        let protocols = model
            .protocols
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut e = world.spawn(CrisisProtocol {
                    index: i as u32,
                    id: Arc::from(p.id.as_str()),
                    members: p.members.iter().map(|&m| platforms[m]).collect(),
                });
                if in_force.contains(&i) {
                    e.insert(InForce);
                }
                e.id()
            })
            .collect();
        Entities {
            platforms,
            authorities,
            protocols,
            variants: Vec::new(),
        }
    }

    /// Spawn a new variant's entity.
    pub fn spawn_variant(&mut self, world: &mut World, index: u32, content: u32, number: u32) {
        let e = world
            .spawn((
                ContentVariant {
                    index,
                    content,
                    number,
                },
                VariantListing::default(),
            ))
            .id();
        self.variants.push(e);
    }
}

/// Despawn every entity of a run, keeping the World's storage for the next one.
///
/// `World::clear_all` would also drop the World's own bookkeeping. Highest index first,
/// so that the freed indices come back lowest first, as in a new World.
pub fn despawn_run(world: &mut World) {
    let mut entities: Vec<Entity> = world
        .query_filtered::<Entity, Or<(
            With<Platform>,
            With<Authority>,
            With<CrisisProtocol>,
            With<ContentVariant>,
        )>>()
        .iter(world)
        .collect();
    entities.sort_unstable_by_key(|e| std::cmp::Reverse(e.index_u32()));
    for e in entities {
        world.despawn(e);
    }
    world.clear_trackers();
}

/// A model's long-lived entities, for reports that describe a scenario without running
/// it (`ttx protocols`).
pub struct Directory {
    world: World,
}

impl Directory {
    pub fn of(model: &Model) -> Self {
        let mut world = World::new();
        Entities::spawn(&mut world, model, &[]);
        Directory { world }
    }

    pub fn world(&mut self) -> &mut World {
        &mut self.world
    }

    /// The member platforms of the protocol with this id, in platform order (model
    /// indices); empty if there is no such protocol.
    pub fn protocol_members(&mut self, protocol: &str) -> Vec<usize> {
        let members: Vec<Entity> = self
            .world
            .query::<&CrisisProtocol>()
            .iter(&self.world)
            .find(|p| &*p.id == protocol)
            .map(|p| p.members.clone())
            .unwrap_or_default();
        let mut indices: Vec<usize> = members
            .iter()
            .filter_map(|&e| self.world.get::<Platform>(e).map(|p| p.index as usize))
            .collect();
        indices.sort_unstable();
        indices
    }

    /// Platforms with the component `C` (a membership), in platform order.
    pub fn platforms_with<C: Component>(&mut self) -> Vec<usize> {
        let mut indices: Vec<usize> = self
            .world
            .query_filtered::<&Platform, With<C>>()
            .iter(&self.world)
            .map(|p| p.index as usize)
            .collect();
        indices.sort_unstable();
        indices
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_holds_platforms_memberships_and_protocols() {
        let scenario = crate::scenario::parse(
            r#"
name: world test
horizon: 1h
platforms:
  - {id: a, name: A, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, protocol_member: true}
  - {id: b, name: B, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, hash_sharing_member: true}
  - {id: c, name: C, views_per_hour: 1, attention_half_life: 1h, review: {reviewers: 1, time: 10m}, protocol_member: true,
     hash_sharing_member: true}
content:
  - {id: clip, kind: video, origin: {platform: a, at: 0m}}
authorities:
  - {id: iru, name: IRU, monitors: [b, c], finds_per_hour: 1}
protocols:
  ecp: {activation: {or_at: 1h}}
"#,
            "test.yaml",
        )
        .unwrap();
        let mut d = Directory::of(&scenario.base);
        assert_eq!(d.protocol_members("ecp"), vec![0, 2]);
        assert!(d.protocol_members("none").is_empty());
        assert_eq!(d.platforms_with::<HashSharingMember>(), vec![1, 2]);
        assert_eq!(d.platforms_with::<ProtocolMember>(), vec![0, 2]);
        let world = d.world();
        let monitors: Vec<Vec<u32>> = world
            .query::<&Authority>()
            .iter(world)
            .map(|a| {
                a.monitors
                    .iter()
                    .map(|&e| world.get::<Platform>(e).unwrap().index)
                    .collect()
            })
            .collect();
        assert_eq!(monitors, vec![vec![1, 2]]);
    }
}

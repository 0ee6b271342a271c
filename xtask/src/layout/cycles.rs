//! Circles in a module graph: Tarjan's strongly connected components, each
//! written as one concrete path around.

use std::collections::{BTreeMap, BTreeSet};

/// One circle per strongly connected group of modules (Tarjan), each
/// written as a concrete path from its smallest module back to it.
pub(super) fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let nodes: Vec<&String> = graph.keys().collect();
    let index_of = |name: &str| nodes.iter().position(|n| *n == name);
    let mut found = Vec::new();
    for component in strongly_connected(graph, &nodes, &index_of) {
        if component.len() < 2 {
            continue;
        }
        let members: BTreeSet<&String> = component.iter().map(|&i| nodes[i]).collect();
        let start = *members.iter().next().expect("two or more members");
        if let Some(path) = path_back(graph, &members, start) {
            found.push(path);
        }
    }
    found
}

fn strongly_connected(
    graph: &BTreeMap<String, BTreeSet<String>>,
    nodes: &[&String],
    index_of: &dyn Fn(&str) -> Option<usize>,
) -> Vec<Vec<usize>> {
    struct Tarjan {
        edges: Vec<Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    impl Tarjan {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.next);
            self.low[v] = self.next;
            self.next += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            for w in self.edges[v].clone() {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(index) if self.on_stack[w] => self.low[v] = self.low[v].min(index),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                self.out.push(component);
            }
        }
    }
    let edges = nodes
        .iter()
        .map(|n| graph[*n].iter().filter_map(|t| index_of(t)).collect())
        .collect();
    let mut tarjan = Tarjan {
        edges,
        index: vec![None; nodes.len()],
        low: vec![0; nodes.len()],
        on_stack: vec![false; nodes.len()],
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in 0..nodes.len() {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.out
}

/// The shortest path from `start` back to itself inside `members`
/// (breadth first), `start` at both ends.
fn path_back(
    graph: &BTreeMap<String, BTreeSet<String>>,
    members: &BTreeSet<&String>,
    start: &String,
) -> Option<Vec<String>> {
    let mut came_from: BTreeMap<&String, &String> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in &graph[node] {
            if !members.contains(next) {
                continue;
            }
            if next == start {
                let mut path = vec![start.clone(), node.clone()];
                let mut at = node;
                while at != start {
                    at = came_from[at];
                    path.push(at.clone());
                }
                path.reverse();
                return Some(path);
            }
            if next != start && !came_from.contains_key(next) {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    None
}

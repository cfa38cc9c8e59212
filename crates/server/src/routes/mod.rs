//! Every route, in one table: its method, path, the least role it needs and how it answers. The
//! router is built from the table alone, each route wrapped in the access layer with its own
//! declared access, so a route cannot exist without one (and tests walk the same table).

pub mod admin;
pub mod customers;
pub mod datasets;
pub mod runs;
pub mod segments;
pub mod system;

use axum::Router;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, delete, get, post};

use crate::access::{Guard, Surface, guard};
use crate::auth::{Access, Role};
use crate::state::AppState;

/// One route.
#[derive(Debug)]
pub struct Route {
    /// Its method.
    pub method: Method,
    /// Its path, with `{param}` segments.
    pub path: &'static str,
    /// Who it lets in.
    pub access: Access,
    /// JSON or a page.
    pub surface: Surface,
    handler: MethodRouter<AppState>,
}

fn api(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, access, surface: Surface::Api, handler }
}

fn page(method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>) -> Route {
    Route { method, path, access, surface: Surface::Page, handler }
}

const VIEWER: Access = Access::Least(Role::Viewer);
const ANALYST: Access = Access::Least(Role::Analyst);
const ADMIN: Access = Access::Least(Role::Admin);
const PUBLIC: Access = Access::Public;

/// The API's path prefix.
pub const API: &str = "/api/v1";

/// Every route of the server.
pub fn table() -> Vec<Route> {
    use Method as M;
    let mut routes = vec![
        api(M::GET, "/api/v1/health", PUBLIC, get(system::health)),
        api(M::GET, "/api/v1/openapi.json", PUBLIC, get(system::openapi)),
        api(M::POST, "/api/v1/datasets", ANALYST, post(datasets::upload)),
        api(M::GET, "/api/v1/datasets", ANALYST, get(datasets::list)),
        api(M::POST, "/api/v1/runs", ANALYST, post(runs::start)),
        api(M::GET, "/api/v1/runs", VIEWER, get(runs::list)),
        api(M::GET, "/api/v1/runs/{id}", VIEWER, get(runs::one)),
        api(M::DELETE, "/api/v1/runs/{id}", ANALYST, delete(runs::remove)),
        api(M::GET, "/api/v1/runs/{id}/segments", VIEWER, get(runs::segments)),
        api(M::GET, "/api/v1/runs/{id}/report", VIEWER, get(runs::report)),
        api(M::GET, "/api/v1/runs/{a}/diff/{b}", VIEWER, get(runs::diff)),
        api(M::GET, "/api/v1/segments/{scheme}/{label}/customers", VIEWER, get(segments::members)),
        api(M::GET, "/api/v1/segments/{scheme}/{label}/export.csv", ANALYST, get(segments::export)),
        api(M::GET, "/api/v1/customers", VIEWER, get(customers::search)),
        api(M::GET, "/api/v1/customers/{id}", VIEWER, get(customers::one)),
        api(M::GET, "/api/v1/customers/{id}/recommendations", VIEWER, get(customers::recommendations)),
        api(M::GET, "/api/v1/alerts", VIEWER, get(runs::alerts)),
        api(M::GET, "/api/v1/playbook", VIEWER, get(runs::playbook)),
        api(M::GET, "/api/v1/audit", ADMIN, get(admin::audit)),
        api(M::GET, "/api/v1/users", ADMIN, get(admin::users)),
        api(M::POST, "/api/v1/users", ADMIN, post(admin::add_user)),
        api(M::DELETE, "/api/v1/users/{name}", ADMIN, delete(admin::revoke_user)),
    ];
    routes.extend(
        crate::pages::routes().into_iter().map(|(method, path, access, handler)| page(method, path, access, handler)),
    );
    routes
}

/// The router: every route of [`table`] behind the access layer with its declared access.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in table() {
        let guard_state = Guard { state: state.clone(), access: route.access, surface: route.surface };
        router = router.route(route.path, route.handler.route_layer(from_fn_with_state(guard_state, guard)));
    }
    router.fallback(system::not_found).with_state(state)
}
